/**
 * The server's V8 flags live in three places: `npm start`, the `relevo` bin's shebang (for `npx
 * relevo serve` and an installed bin), and SERVER_NODE_FLAGS (benchmarks and the crash test).
 * They must agree, or the benchmarks would measure a server no user runs.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT, SERVER_NODE_FLAGS } from '../bench/lib/processes.js';

const run = promisify(execFile);
const flagsOf = (words: string[]) => words.filter((w) => w.startsWith('--'));

describe('server V8 flags', () => {
  it('npm start, the bin shebang and SERVER_NODE_FLAGS pass the same flags', () => {
    const start: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start;
    const words = start.split(/\s+/);
    expect(words[0]).toBe('node');
    expect(flagsOf(words.slice(0, words.indexOf('bin/relevo.js')))).toEqual([...SERVER_NODE_FLAGS]);
    const shebang = readFileSync(join(ROOT, 'bin/relevo.js'), 'utf8').split('\n')[0];
    expect(shebang.startsWith('#!/usr/bin/env -S node')).toBe(true);
    expect(flagsOf(shebang.split(/\s+/))).toEqual([...SERVER_NODE_FLAGS]);
    expect(SERVER_NODE_FLAGS.length).toBeGreaterThan(0);
  });

  it('node accepts the flags, and the bin runs through its shebang', async () => {
    // node exits 9 ("bad option") on a flag it does not know
    const { stdout } = await run(process.execPath, [...SERVER_NODE_FLAGS, '-p', 'JSON.stringify(process.execArgv)']);
    expect(JSON.parse(stdout).slice(0, SERVER_NODE_FLAGS.length)).toEqual([...SERVER_NODE_FLAGS]);
    const help = await run(join(ROOT, 'bin/relevo.js'), ['--help'], { cwd: ROOT });
    expect(help.stdout).toContain('serve');
  });
});
