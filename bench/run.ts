/**
 * `npm run bench`: runs the benchmark suites and records their results in docs/BENCHMARKS.md
 * (each suite owns the block between its markers), with the command, the machine and the date.
 */
import { benchAnalytics } from './analytics.js';
import { benchHttpRatio, benchProductAdd, type Section } from './foundation.js';
import { machine, writeBenchmarkBlock } from './lib/report.js';
import { postgresAnswers, redactPassword } from '../src/storage/postgres/pool.js';
import { benchVisitorComplementary } from './recommendations.js';
import { benchLogClick } from './tracking.js';
import { benchMixedLoad } from './load.js';
import { benchSearch } from './search.js';
import { ROOT } from './lib/processes.js';
import { join } from 'node:path';

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
  search: (o) => benchSearch({ dataDir: join(ROOT, '..', 'shared', 'data'), rounds: o.quick ? 2 : 5, seconds: o.quick ? 3 : 8 }),
  load: async (o) => [await benchMixedLoad(o.pgUrl, o.quick ? 10 : 60, 100)],
  recommendations: async (o) => [await benchVisitorComplementary({ products: 20_000, visitors: o.quick ? 10_000 : 100_000, eventsPerVisitor: 5 }, o.quick ? 1 : 5, o.quick ? 3 : 8, 50)],
};

/** Runs the chosen suites, prints their markdown, and (with write) stores it in docs/BENCHMARKS.md. */
export async function runBench(given: BenchOptions): Promise<void> {
  // Every suite measures PostgreSQL only when a server answers (checked once, here).
  const options = { ...given, pgUrl: given.pgUrl && (await postgresAnswers(given.pgUrl)) ? given.pgUrl : null };
  if (given.pgUrl && !options.pgUrl) process.stderr.write(`bench: no PostgreSQL server at ${redactPassword(given.pgUrl)}: measuring SQLite only\n`);
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
    if (options.write && !options.quick) writeBenchmarkBlock(`bench:${name}`, block);
  }
}

