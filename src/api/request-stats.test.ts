import { describe, expect, it } from 'vitest';
import { Metrics } from '../metrics.js';
import { RequestStats } from './request-stats.js';

describe('RequestStats', () => {
  it('counts calls per endpoint and status, latency in cumulative buckets, unknown endpoints under one label', () => {
    const metrics = new Metrics();
    const stats = new RequestStats(metrics, new Set(['log/click']));
    stats.record('log/click', 200, 0.3);
    stats.record('log/click', 200, 2);
    stats.record('log/click', 400, 30);
    stats.record('no/such', 404, 1);
    stats.record('other/scan', 404, 1);
    const text = metrics.render();
    expect(text).toContain('relevo_requests_total{endpoint="log/click",status="200"} 2');
    expect(text).toContain('relevo_requests_total{endpoint="log/click",status="400"} 1');
    expect(text).toContain('relevo_requests_total{endpoint="unknown",status="404"} 2');
    expect(text).not.toContain('no/such');
    expect(text).toContain('relevo_request_duration_seconds_bucket{endpoint="log/click",le="0.0005"} 1');
    expect(text).toContain('relevo_request_duration_seconds_bucket{endpoint="log/click",le="0.0025"} 2');
    expect(text).toContain('relevo_request_duration_seconds_bucket{endpoint="log/click",le="0.025"} 2');
    expect(text).toContain('relevo_request_duration_seconds_bucket{endpoint="log/click",le="0.05"} 3');
    expect(text).toContain('relevo_request_duration_seconds_count{endpoint="log/click"} 3');
    expect(metrics.requests.get({ endpoint: 'log/click', status: '200' })).toBe(2);
  });
});
