/** `relevo retention [--days N] [--db URL]`: drop raw events and impressions past retention once, for every store. */
import type { Command } from 'commander';
import { runRetention } from '../analytics/retention.js';
import { CliError, withStorage } from './stores.js';
import type { ConfigFrom } from './main.js';

export function registerRetentionCommand(program: Command, configFrom: ConfigFrom): void {
  program
    .command('retention')
    .description('drop raw events and impressions older than the retention (once rolled up; sales and analytics are kept), for every store')
    .option('--days <n>', 'keep this many days (default: RELEVO_RETENTION_DAYS)')
    .option('--db <url>', 'database URL')
    .action(async (opts: { days?: string; db?: string }) => {
      // Through the config, so --days meets the same check against the attribution window.
      const config = configFrom({ databaseUrl: opts.db, retentionDays: opts.days });
      await withStorage(config.databaseUrl, async (storage) => {
        if (config.retentionDays === 0) throw new CliError('retention is off (0 days: keep forever); pass --days N or set RELEVO_RETENTION_DAYS');
        const run = await runRetention(storage, config.retentionDays, Date.now() / 1000);
        if (run.partitions.length > 0) process.stdout.write(`dropped ${run.partitions.length} monthly event partitions (${run.partitions.join(', ')}): ${run.partitionEvents} events of every store\n`);
        for (const r of run.stores) {
          if (r.skipped) process.stdout.write(`${r.name}: skipped, another process is running retention for this store\n`);
          else process.stdout.write(`${r.name}: dropped ${r.events} events and ${r.impressions} impressions before ${new Date(r.horizon * 1000).toISOString()}\n`);
        }
      });
    });
}
