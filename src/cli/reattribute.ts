/** `relevo reattribute --store NAME [--window-hours H]`: recompute attributions and rebuild rollups. */
import type { Command } from 'commander';
import { reattributeStore } from '../analytics/rebuild.js';
import { CliError, withStorage } from './stores.js';
import type { ConfigFrom } from './main.js';

export function registerReattributeCommand(program: Command, configFrom: ConfigFrom): void {
  program
    .command('reattribute')
    .description('recompute every sale\'s attribution (e.g. after changing the window) and rebuild the analytics rollups')
    .requiredOption('--store <name>', 'store name')
    .option('--window-hours <hours>', 'attribution window (default: RELEVO_ATTRIBUTION_WINDOW_HOURS or 24)')
    .option('--db <url>', 'database URL')
    .action(async (opts: { store: string; windowHours?: string; db?: string }) => {
      const config = configFrom({ databaseUrl: opts.db, attributionWindowHours: opts.windowHours });
      await withStorage(config.databaseUrl, async (storage) => {
        const store = await storage.stores.findStoreByName(opts.store);
        if (!store) throw new CliError(`no store named "${opts.store}"`);
        const result = await reattributeStore(storage, store.id, config.attributionWindowHours * 3600, (n) => process.stderr.write(`\rreattribute: ${n} sales`));
        process.stderr.write('\n');
        const kept = result.kept > 0 ? `; ${result.kept} sales older than the retention horizon plus the window kept their attribution` : '';
        process.stdout.write(`re-attributed ${result.sales} sales of ${store.name} (${result.changed} changed) with a ${config.attributionWindowHours} h window${kept}; rollups rebuilt\n`);
      });
    });
}
