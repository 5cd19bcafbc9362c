/** `relevo eval` (npm run eval): the next-item evaluation of eval/, results into docs/BENCHMARKS.md. */
import { join } from 'node:path';
import type { Command } from 'commander';

/** Adds the `eval` command (the harness is loaded only when it runs). */
export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description('replay a click stream through the HTTP API and report HR/MRR@5/20 next to reference methods')
    .option('--data <name>', 'yoochoose (train_tr → train_valid) or diginetica (the SR-GNN sample protocol)', 'yoochoose')
    .option('--data-dir <dir>', 'the shared data directory (default: ../shared/data next to the repo)')
    .option('--if-present', 'exit 0 with a message when the data is missing')
    .option('--min-hr20 <x>', 'exit 1 when visitor/complementary HR@20 (seen allowed) is below x')
    .option('--offline', 'in-process methods only, no server (quick tuning; nothing written)')
    .option('--no-write', 'print only')
    .action(async (opts: { data: string; dataDir?: string; ifPresent?: boolean; minHr20?: string; offline?: boolean; write: boolean }) => {
      if (opts.data !== 'yoochoose' && opts.data !== 'diginetica') {
        process.stderr.write(`relevo eval: --data must be yoochoose or diginetica\n`);
        process.exit(2);
      }
      const { runEval } = await import('../../eval/run.js');
      const { ROOT } = await import('../../bench/lib/processes.js');
      const code = await runEval({
        data: opts.data,
        dataDir: opts.dataDir ?? join(ROOT, '..', 'shared', 'data'),
        ifPresent: Boolean(opts.ifPresent),
        minHr20: opts.minHr20 === undefined ? null : Number(opts.minHr20),
        write: opts.write,
        offlineOnly: Boolean(opts.offline),
      });
      process.exit(code);
    });
}
