/**
 * Composition root of `relevo serve`: load config, open storage (migrations run there), create
 * the demo store on an empty database, build the app, listen, and shut down gracefully.
 */
import type { Config } from './config/config.js';
import { generateDemoHistory } from './demo/history.js';
import { seedDemoStore } from './demo/seed.js';
import { createLogger } from './log.js';
import { buildRuntime } from './runtime.js';
import { openStorage } from './storage/open.js';

/** Serves until SIGTERM/SIGINT; resolves once the server is listening. */
export async function serve(config: Config): Promise<{ port: number; stop: () => Promise<void> }> {
  const log = createLogger(config.logLevel);
  const storage = await openStorage(config.databaseUrl);
  const demo = config.demo ? await seedDemoStore(storage, log) : null;
  if (demo) {
    // Printed once, to the terminal, never to the log.
    process.stderr.write(
      `\nDemo store created: "${demo.name}"\n  public key:  ${demo.publicKey}\n  private key: ${demo.privateKey}   (shown once; keep it)\n\n`,
    );
  }
  const runtime = await buildRuntime(config, storage, log);
  if (demo) {
    const store = await storage.stores.findStoreByPublicKey(demo.publicKey);
    const history = await generateDemoHistory(runtime, store!, Date.now() / 1000);
    log.info(history, 'demo history generated');
  }
  await runtime.app.listen({ port: config.port, host: config.host });
  const address = runtime.app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  log.info({ port, storage: storage.dialect }, 'listening');

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      log.info('shutting down: no new connections, flushing');
      await runtime.close();
      await storage.close();
      log.info('stopped');
      log.flush();
    })());
  const onSignal = (signal: string) => {
    log.info({ signal }, 'signal received');
    const force = setTimeout(() => process.exit(1), 10000);
    force.unref();
    stop().then(() => process.exit(0), (err) => {
      log.error({ err }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
  return { port, stop };
}
