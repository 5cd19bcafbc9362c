/**
 * `npm run bench`: runs the benchmark suites and records their results in docs/BENCHMARKS.md
 * (each suite owns the block between its markers), with the command, the machine and the date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { benchAnalytics } from './analytics.js';
import { benchHttpRatio, benchProductAdd, type Section } from './foundation.js';
import { ROOT } from './lib/processes.js';
import { benchVisitorComplementary } from './recommendations.js';
import { benchLogClick } from './tracking.js';

export interface BenchOptions {
  suites: string[];
  write: boolean;
  quick: boolean;
  pgUrl: string | null;
}

type Suite = (o: BenchOptions) => Promise<Section[]>;

export const SUITES: Record<string, Suite> = {
  foundation: async (o) => [
    await benchHttpRatio(o.quick ? 2 : 5, o.quick ? 3 : 8, 50),
    await benchProductAdd(o.pgUrl, o.quick ? 1 : 3),
  ],
  analytics: async (o) => [await benchAnalytics(o.quick ? 200_000 : 5_000_000, o.quick ? 50 : 300)],
  tracking: async (o) => [await benchLogClick(o.pgUrl, o.quick ? 2 : 5, o.quick ? 3 : 8)],
  recommendations: async (o) => [await benchVisitorComplementary({ products: 20_000, visitors: o.quick ? 10_000 : 100_000, eventsPerVisitor: 5 }, o.quick ? 1 : 3, o.quick ? 3 : 8, 50)],
};

/** Runs the chosen suites, prints their markdown, and (with write) stores it in docs/BENCHMARKS.md. */
export async function runBench(options: BenchOptions): Promise<void> {
  for (const name of options.suites) {
    const suite = SUITES[name];
    if (!suite) throw new Error(`unknown bench suite "${name}"; known: ${Object.keys(SUITES).join(', ')}`);
    process.stderr.write(`bench: running ${name}…\n`);
    const sections = await suite(options);
    const block = [
      `_Measured ${new Date().toISOString().slice(0, 10)} with \`npm run bench -- --suite ${name}\` on ${machine()}._`,
      '',
      ...sections.flatMap((s) => [`### ${s.title}`, '', s.markdown, '']),
    ].join('\n');
    process.stdout.write(`\n## ${name}\n\n${block}\n`);
    if (options.write && !options.quick) writeBlock(name, block);
  }
}

function machine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

function writeBlock(name: string, block: string): void {
  const file = join(ROOT, 'docs/BENCHMARKS.md');
  const text = readFileSync(file, 'utf8');
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < 0) throw new Error(`docs/BENCHMARKS.md has no ${start} … ${end} block`);
  writeFileSync(file, `${text.slice(0, i + start.length)}\n${block}\n${text.slice(j)}`);
}
