/** `relevo replay FILE --store NAME`: feeds a clickstream file through the tracking ingest path. */
import { statSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import { createLogger } from '../log.js';
import { buildRuntime } from '../runtime.js';
import { replayContext, ReplayError, replayFile, type ReplayFormat } from '../tracking/replay.js';
import type { ConfigFrom } from './main.js';
import { CliError, withStorage } from './stores.js';

const LABELS = { product: 'product views', click: 'clicks', cart: 'cart adds', sale: 'sold lines' } as const;

/** Adds `relevo replay FILE --store NAME [--db URL] [--format yoochoose|otto]`. */
export function registerReplayCommand(program: Command, configFrom: ConfigFrom): void {
  program
    .command('replay <file>')
    .description('replay a clickstream (YooChoose TSV or OTTO JSONL) through the tracking API path, as backfilled events')
    .requiredOption('--store <name>', 'store name')
    .option('--db <url>', 'database URL')
    .addOption(new Option('--format <format>', 'input format (default: detected from the first line)').choices(['yoochoose', 'otto']))
    .action(async (file: string, opts: { store: string; db?: string; format?: ReplayFormat }) => {
      // Warnings only, to stderr: stdout carries the summary.
      const config = configFrom({ databaseUrl: opts.db, logLevel: 'warn' });
      await withStorage(config.databaseUrl, async (storage) => {
        const store = await storage.stores.findStoreByName(opts.store);
        if (!store) throw new CliError(`no store named "${opts.store}"`);
        if ((await storage.stores.getSetting(store.id, 'tracking_disabled')) === true) {
          throw new CliError(`tracking is disabled for store "${store.name}": nothing would be recorded`);
        }
        const total = fileSize(file);
        // The runtime, not the tracker alone: gates, group commit and commit listeners run as in `serve`.
        const runtime = await buildRuntime(config, storage, createLogger('warn', 2));
        const bar = new SingleBar({ format: 'replay [{bar}] {percentage}% | {events} events | {eta_formatted} left', stream: process.stderr, noTTYOutput: true, notTTYSchedule: 2000 }, Presets.shades_classic);
        bar.start(total, 0, { events: 0 });
        try {
          const started = performance.now();
          const result = await replayFile(file, {
            tracker: runtime.tracker, ctx: replayContext(store), format: opts.format,
            onProgress: (p) => bar.update(p.bytes, { events: p.events }),
          });
          const events = Object.values(result.events).reduce((a, b) => a + b, 0);
          bar.update(total, { events });
          bar.stop();
          const seconds = (performance.now() - started) / 1000;
          const parts = Object.entries(result.events).filter(([, n]) => n > 0).map(([type, n]) => `${n} ${LABELS[type as keyof typeof LABELS]}`);
          process.stdout.write(`replayed ${events} events of ${result.sessions} sessions into ${store.name}: ${parts.join(', ') || 'nothing'} (${seconds.toFixed(1)} s, ${Math.round(events / Math.max(seconds, 1e-3))} events/s)\n`);
        } catch (err) {
          bar.stop();
          // Events before the failure stay stored: each was acknowledged by its own commit.
          if (err instanceof ReplayError) throw new CliError(`replay stopped at ${file}, ${err.message} (events before it are stored)`);
          throw err;
        } finally {
          await runtime.close();
        }
      });
    });
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`);
  }
}
