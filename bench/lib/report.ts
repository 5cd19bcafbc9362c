/** What every benchmark and evaluation report shares: the machine line and its block in docs/BENCHMARKS.md. */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './processes.js';

/** "2 × CPU model, N GiB, Node vX". */
export function machine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

/** Replaces the text between `<!-- marker:start -->` and `<!-- marker:end -->` in docs/BENCHMARKS.md. */
export function writeBenchmarkBlock(marker: string, block: string): void {
  const file = join(ROOT, 'docs/BENCHMARKS.md');
  const text = readFileSync(file, 'utf8');
  const start = `<!-- ${marker}:start -->`;
  const end = `<!-- ${marker}:end -->`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < 0) throw new Error(`docs/BENCHMARKS.md has no ${start} … ${end} block`);
  writeFileSync(file, `${text.slice(0, i + start.length)}\n${block}\n${text.slice(j)}`);
}
