/** `relevo eval` (npm run eval): the next-item evaluation of eval/, results into docs/BENCHMARKS.md. */
import { join } from 'node:path';
import type { Command } from 'commander';

/** Adds the `eval` command (the harness is loaded only when it runs). */
export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description('recommendation (HR/MRR@5/20) or search (nDCG@10) quality through the HTTP API, next to reference methods')
    .option('--data <name>', 'yoochoose (train_tr → train_valid), diginetica (the SR-GNN sample protocol) or chorus (search relevance)', 'yoochoose')
    .option('--data-dir <dir>', 'the shared data directory (default: ../shared/data next to the repo)')
    .option('--if-present', 'exit 0 with a message when the data is missing')
    .option('--min-hr20 <x>', 'exit 1 when visitor/complementary HR@20 (seen allowed) is below x')
    .option('--offline', 'in-process methods only, no server (quick tuning; nothing written)')
    .option('--no-write', 'print only')
    .option('--sessions <n>', 'chorus: simulated shopper sessions per query for the learning measurement', '10')
    .action(async (opts: { data: string; dataDir?: string; ifPresent?: boolean; minHr20?: string; offline?: boolean; write: boolean; sessions: string }) => {
      if (opts.data !== 'yoochoose' && opts.data !== 'diginetica' && opts.data !== 'chorus') {
        process.stderr.write(`relevo eval: --data must be yoochoose, diginetica or chorus\n`);
        process.exit(2);
      }
      const { ROOT } = await import('../../bench/lib/processes.js');
      if (opts.data === 'chorus') {
        const { runSearchEval } = await import('../../eval/search-eval.js');
        const dataDir = opts.dataDir ?? join(ROOT, '..', 'shared', 'data');
        process.exit(await runSearchEval({ dataDir, ifPresent: Boolean(opts.ifPresent), write: opts.write, sessions: Number(opts.sessions) }));
      }
      const { runEval } = await import('../../eval/run.js');
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
