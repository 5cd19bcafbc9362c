/** `relevo import FILE --store NAME` and `relevo export --store NAME [--out FILE]`. */
import { createWriteStream, statSync } from 'node:fs';
import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { exportFeed } from '../catalog/feed-export.js';
import { importFeedFile } from '../catalog/feed-import.js';
import { RecordError } from '../catalog/normalize.js';
import { CliError, withStorage } from './stores.js';
import type { ConfigFrom } from './main.js';

export function registerFeedCommands(program: Command, configFrom: ConfigFrom): void {
  program
    .command('import <file>')
    .description("import a Clerk single-file JSON feed: products, categories, pages, customers and accessories are mirrored, orders and parcels appended; all or nothing")
    .requiredOption('--store <name>', 'store name')
    .option('--db <url>', 'database URL')
    .action(async (file: string, opts: { store: string; db?: string }) => {
      await withStorage(configFrom({ databaseUrl: opts.db }).databaseUrl, async (storage) => {
        const store = await storage.stores.findStoreByName(opts.store);
        if (!store) throw new CliError(`no store named "${opts.store}"`);
        const total = statSync(file).size;
        const bar = new SingleBar({ format: 'import [{bar}] {percentage}% | {records} records | {eta_formatted} left', stream: process.stderr, noTTYOutput: true, notTTYSchedule: 2000 }, Presets.shades_classic);
        bar.start(total, 0, { records: 0 });
        const session = await storage.catalog.beginImport(store.id);
        try {
          const stats = await importFeedFile(file, session, { onProgress: (p) => bar.update(p.bytes, { records: p.records }) });
          bar.update(total, { records: stats.records });
          bar.stop();
          const summary = Object.entries(stats.written).map(([k, n]) => `${k} ${n} written, ${stats.removed[k as keyof typeof stats.removed]} removed`).join('; ');
          process.stdout.write(`imported ${stats.records} records into ${store.name}: ${summary}\n`);
        } catch (err) {
          bar.stop();
          if (err instanceof RecordError) throw new CliError(`import failed, nothing changed: ${err.message}`);
          if (err instanceof Error) throw new CliError(`import failed, nothing changed: ${err.message}`);
          throw err;
        }
      });
    });

  program
    .command('export')
    .description('write a store catalog as a Clerk single-file JSON feed')
    .requiredOption('--store <name>', 'store name')
    .option('--out <file>', 'output file (default: standard output)')
    .option('--db <url>', 'database URL')
    .action(async (opts: { store: string; out?: string; db?: string }) => {
      await withStorage(configFrom({ databaseUrl: opts.db }).databaseUrl, async (storage) => {
        const store = await storage.stores.findStoreByName(opts.store);
        if (!store) throw new CliError(`no store named "${opts.store}"`);
        const out = opts.out ? createWriteStream(opts.out) : process.stdout;
        const counts = await exportFeed(storage.catalog, store.id, out);
        if (opts.out) {
          await new Promise<void>((resolve, reject) => (out as ReturnType<typeof createWriteStream>).end((err?: Error | null) => (err ? reject(err) : resolve())));
        }
        process.stderr.write(`exported ${Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(', ')}\n`);
      });
    });
}
