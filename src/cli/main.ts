/**
 * The `relevo` command line: serve, stores, import, export, replay, reattribute, retention, snapshot, bench, eval. Reads the environment only
 * through config/.
 */
import { Command, Option } from 'commander';
import { loadConfig, ConfigError } from '../config/config.js';
import { registerStoreCommands } from './stores.js';
import { registerFeedCommands } from './feed.js';
import { registerBenchCommand } from './bench.js';
import { registerEvalCommand } from './eval.js';
import { registerReattributeCommand } from './reattribute.js';
import { registerReplayCommand } from './replay.js';
import { registerRetentionCommand } from './retention.js';
import { registerSnapshotCommand } from './snapshot.js';

/** Runs the CLI with process.argv-style arguments. */
export async function main(argv: string[]): Promise<void> {
  const program = new Command('relevo')
    .description('Relevo: self-hosted search, recommendations and tracking with the Clerk.io v2 API')
    .showHelpAfterError()
    .exitOverride((err) => process.exit(err.exitCode));

  program
    .command('serve')
    .description('serve the API and dashboard (PORT, RELEVO_DATABASE_URL)')
    .addOption(new Option('--port <port>', 'port to listen on (default: $PORT or 8080)'))
    .addOption(new Option('--db <url>', 'database URL: sqlite:./data/relevo.db or postgres://…'))
    .addOption(new Option('--example-shop', 'also serve the example headless shop at /shop/ (RELEVO_EXAMPLE_SHOP)'))
    .addOption(new Option('--workers <n>', 'worker processes sharing the port, PostgreSQL only (RELEVO_WORKERS, default 1)'))
    .action(async (opts: { port?: string; db?: string; exampleShop?: boolean; workers?: string }) => {
      const config = configFrom({ port: opts.port, databaseUrl: opts.db, exampleShop: opts.exampleShop, workers: opts.workers });
      if (config.workers > 1) {
        if (config.databaseUrl.startsWith('sqlite:')) {
          // SQLite has one writer: workers would queue on its lock and each hold a model copy for nothing.
          process.stderr.write(`relevo: --workers ${config.workers} needs PostgreSQL (RELEVO_DATABASE_URL=postgres://…); SQLite has one writer, run one process\n`);
          process.exit(2);
        }
        const { serveCluster } = await import('../cluster.js');
        await serveCluster(config);
        return;
      }
      const { serve } = await import('../main.js');
      await serve(config);
    });

  registerStoreCommands(program, configFrom);
  registerFeedCommands(program, configFrom);
  registerReplayCommand(program, configFrom);
  registerReattributeCommand(program, configFrom);
  registerRetentionCommand(program, configFrom);
  registerSnapshotCommand(program, configFrom);
  registerBenchCommand(program);
  registerEvalCommand(program);
  await program.parseAsync(argv);
}

/** The config from env plus command-line overrides; exits non-zero listing every bad value. */
export function configFrom(overrides: Record<string, unknown>) {
  try {
    return loadConfig(process.env, overrides);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`relevo: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

export type ConfigFrom = typeof configFrom;
