/** Starting and stopping the servers a benchmark measures, each in its own process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (this file runs from bench/lib/ under vitest and from dist/bench/lib/ compiled). */
export const ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
})();

export interface Child {
  port: number;
  proc: ChildProcess;
  /** Everything the child wrote to stderr so far. */
  stderr(): string;
  /** What it wrote to stdout up to the line with its port (start-up logs). */
  startup: string;
  stop(): Promise<void>;
}

/**
 * The V8 flags the server runs with: `npm start` and the `relevo` bin's shebang pass the same
 * (test/server-flags.test.ts checks that the three agree), so benchmarks and the crash test run
 * the server as it ships. A 32 MiB semi-space (V8's default tops out at 16 MiB on 64-bit): each
 * call leaves short-lived garbage, and with a large heap every scavenge pays a fixed cost to
 * scan the old generation's pages, so fewer, larger scavenges cost less CPU per call. A/B on
 * the minimal GET: ~+10 % req/s, user CPU per call 27-29 µs against 30-34 µs.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32'];

/** Spawns `node [nodeFlags] <script> args` and waits for a stdout line carrying "port":N. */
export function spawnWithPort(script: string, args: string[], env: Record<string, string> = {}, timeoutMs = 60000, nodeFlags: readonly string[] = []): Promise<Child> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...nodeFlags, script, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => fail(new Error(`timed out starting ${script}: ${err.slice(-2000)}`)), timeoutMs);
    const fail = (e: Error) => {
      clearTimeout(timer);
      proc.kill('SIGKILL');
      reject(e);
    };
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"port":(\d+)/.exec(out);
      if (m && /listening|^\{"port"/m.test(out)) {
        clearTimeout(timer);
        proc.stdout!.removeAllListeners('data');
        proc.stdout!.resume();
        resolve({ port: Number(m[1]), proc, stderr: () => err, startup: out, stop: () => stopChild(proc) });
      }
    });
    proc.on('exit', (code) => fail(new Error(`${script} exited with ${code}: ${err.slice(-2000)}`)));
  });
}

/** SIGTERM, then SIGKILL after 10 s. */
export function stopChild(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null) return resolve();
    proc.removeAllListeners('exit');
    proc.once('exit', () => resolve());
    proc.kill('SIGTERM');
    setTimeout(() => proc.kill('SIGKILL'), 10000).unref();
  });
}

let profileDir: string | null = null;

/** `npm run bench -- --profile DIR`: every Relevo server of the run writes a V8 CPU profile into DIR when it stops. */
export function profileServersInto(dir: string | null): void {
  profileDir = dir;
}

/** A Relevo server (as `npm start` runs it) on a random port with the given database URL. */
export function spawnRelevo(databaseUrl: string, env: Record<string, string> = {}, timeoutMs = 60000): Promise<Child> {
  const flags = profileDir ? [...SERVER_NODE_FLAGS, '--cpu-prof', `--cpu-prof-dir=${profileDir}`] : SERVER_NODE_FLAGS;
  return spawnWithPort('bin/relevo.js', ['serve', '--port', '0', '--db', databaseUrl], { RELEVO_LOG_LEVEL: 'info', HOST: '127.0.0.1', ...env }, timeoutMs, flags);
}

/** Resident set size of a child process, MiB (Linux /proc; null elsewhere). */
export function rssMiB(child: Child): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.proc.pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** The bare node:http baseline (see bare-server.ts). */
export function spawnBare(mode: 'json' | 'parse-ok'): Promise<Child> {
  return spawnWithPort('dist/bench/bare-server.js', [mode]);
}

/** A floor server (see floor-server.ts) on its own database at databaseUrl. */
export function spawnFloor(mode: 'click' | 'sale' | 'recommend' | 'mixed', databaseUrl: string): Promise<Child> {
  return spawnWithPort('dist/bench/floor-server.js', [mode, databaseUrl], {}, 60000, SERVER_NODE_FLAGS);
}

/** User + system CPU time of a child process so far, µs (Linux /proc; null elsewhere). */
export function cpuMicros(server: Child): number | null {
  try {
    const fields = readFileSync(`/proc/${server.proc.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000; // utime, stime in clock ticks of 10 ms
  } catch {
    return null;
  }
}
