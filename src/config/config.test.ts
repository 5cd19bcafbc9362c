import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('config: retention', () => {
  it('defaults to 0 (keep raw records forever) and reads RELEVO_RETENTION_DAYS', () => {
    expect(loadConfig({}).retentionDays).toBe(0);
    expect(loadConfig({ RELEVO_RETENTION_DAYS: '30' }).retentionDays).toBe(30);
    expect(loadConfig({}, { retentionDays: '7' }).retentionDays).toBe(7);
  });

  it('rejects what is not a whole number of days ≥ 0, naming the variable', () => {
    for (const bad of ['-1', '1.5', 'month']) expect(() => loadConfig({ RELEVO_RETENTION_DAYS: bad })).toThrow(/RELEVO_RETENTION_DAYS/);
  });

  it('must cover the attribution window plus a day, so a sale still finds the clicks it is attributed to', () => {
    // The default window is 24 h: 2 days is the least.
    expect(() => loadConfig({ RELEVO_RETENTION_DAYS: '1' })).toThrow(ConfigError);
    expect(() => loadConfig({ RELEVO_RETENTION_DAYS: '1' })).toThrow(/RELEVO_RETENTION_DAYS: .*RELEVO_ATTRIBUTION_WINDOW_HOURS/);
    expect(loadConfig({ RELEVO_RETENTION_DAYS: '2' }).retentionDays).toBe(2);
    expect(() => loadConfig({ RELEVO_RETENTION_DAYS: '7', RELEVO_ATTRIBUTION_WINDOW_HOURS: '168' })).toThrow(/RELEVO_RETENTION_DAYS/);
    expect(loadConfig({ RELEVO_RETENTION_DAYS: '8', RELEVO_ATTRIBUTION_WINDOW_HOURS: '168' }).retentionDays).toBe(8);
    // 0 is "off", whatever the window.
    expect(loadConfig({ RELEVO_RETENTION_DAYS: '0', RELEVO_ATTRIBUTION_WINDOW_HOURS: '2000' }).retentionDays).toBe(0);
  });
});
