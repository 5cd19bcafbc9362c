import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStorage } from './open.js';

const dir = mkdtempSync(join(tmpdir(), 'relevo-open-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openStorage', () => {
  it('accepts the synchronous=normal option as well as the default (the level itself is per connection, not observable here)', async () => {
    for (const url of [`sqlite:${join(dir, 'a.db')}`, `sqlite:${join(dir, 'b.db')}?synchronous=normal`]) {
      const storage = await openStorage(url);
      expect(storage.dialect).toBe('sqlite');
      await storage.close();
    }
  });

  it('refuses unknown SQLite options and schemes, naming them', async () => {
    await expect(openStorage(`sqlite:${join(dir, 'c.db')}?synchronous=off`)).rejects.toThrow('synchronous must be full or normal, not "off"');
    await expect(openStorage(`sqlite:${join(dir, 'c.db')}?cache=big`)).rejects.toThrow('Unknown SQLite storage URL option "cache"');
    await expect(openStorage('mysql://localhost/x')).rejects.toThrow('Unsupported storage URL scheme "mysql:"');
  });
});
