import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeCrash } from './crash.cases.js';

describeCrash('SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'relevo-crash-'));
  return { url: `sqlite:${join(dir, 'crash.db')}`, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});
