/** `relevo bench` (npm run bench): the benchmark suites of bench/, results into docs/BENCHMARKS.md. */
import type { Command } from 'commander';

export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('run benchmarks and record the results in docs/BENCHMARKS.md')
    .option('--suite <names>', 'comma-separated suites', 'foundation')
    .option('--quick', 'short runs, nothing written (a smoke check)')
    .option('--no-write', 'print only')
    .option('--pg <url>', 'PostgreSQL URL for the PostgreSQL measurements', 'postgres://postgres@127.0.0.1:5432/test')
    .option('--profile <dir>', 'write a V8 CPU profile of every Relevo server of the run into <dir> (open in Chrome DevTools)')
    .action(async (opts: { suite: string; quick?: boolean; write: boolean; pg: string; profile?: string }) => {
      const { runBench } = await import('../../bench/run.js');
      const { profileServersInto } = await import('../../bench/lib/processes.js');
      if (opts.profile) profileServersInto((await import('node:path')).resolve(opts.profile));
      await runBench({ suites: opts.suite.split(','), write: opts.write, quick: Boolean(opts.quick), pgUrl: opts.pg || null });
    });
}
