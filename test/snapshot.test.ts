import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { describeSnapshots } from './snapshot.cases.js';

const file = () => join(tmpdir(), `relevo-snap-${randomBytes(6).toString('hex')}.db`);
describeSnapshots('SQLite', () => `sqlite:${file()}`, async (url) => {
  const path = url.slice('sqlite:'.length);
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
});
