/**
 * `relevo snapshot [--out FILE] [--db URL]`: writes the model snapshot a server started with
 * RELEVO_SNAPSHOT=FILE restores from. Run beside a live server (cron): it starts from the
 * existing snapshot and the log tail when that is usable, else rebuilds from the events, and
 * replaces the file atomically.
 */
import type { Command } from 'commander';
import { pino } from 'pino';
import { createLogger } from '../log.js';
import { loadModels, saveModels } from '../recommend/snapshot-file.js';
import { createModels } from '../runtime.js';
import { CliError, withStorage } from './stores.js';
import type { ConfigFrom } from './main.js';

export function registerSnapshotCommand(program: Command, configFrom: ConfigFrom): void {
  program
    .command('snapshot')
    .description('write the models\' snapshot (start-up from it reads only the log tail after it)')
    .option('--out <file>', 'snapshot file (default: RELEVO_SNAPSHOT)')
    .option('--db <url>', 'database URL')
    .action(async (opts: { out?: string; db?: string }) => {
      const config = configFrom({ databaseUrl: opts.db, snapshot: opts.out });
      if (!config.snapshot) throw new CliError('say where to write the snapshot: --out FILE or RELEVO_SNAPSHOT');
      const log = createLogger(config.logLevel, pino.destination({ fd: 2, sync: true })); // stdout holds the summary only
      await withStorage(config.databaseUrl, async (storage) => {
        const started = Date.now();
        const models = createModels(log);
        const from = await loadModels(models, storage, log, config.snapshot);
        const bytes = await saveModels(models, storage, log, config.snapshot);
        process.stdout.write(`wrote ${config.snapshot} (${(bytes / 1e6).toFixed(1)} MB) in ${((Date.now() - started) / 1000).toFixed(1)} s, from ${from === 'snapshot' ? 'the previous snapshot and the log tail' : 'a rebuild from the events'}\n`);
      });
    });
}
