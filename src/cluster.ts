/**
 * `relevo serve --workers N` (RELEVO_WORKERS): a node:cluster primary forks N workers that share
 * one listening port, each a full Relevo instance (its own models and catalog in memory, its own
 * pools) following the shared logs on PostgreSQL as separate instances do (LISTEN/NOTIFY, the
 * tail as fallback). The primary serves nothing: it restarts a worker that dies and, on
 * SIGTERM/SIGINT, forwards SIGTERM so every worker drains its write buffer, then exits.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Config } from './config/config.js';
import { createLogger } from './log.js';

/** A worker that dies sooner than this after its start is restarted after RESTART_DELAY_MS (no crash loop at full speed). */
const EARLY_DEATH_MS = 5000;
const RESTART_DELAY_MS = 1000;
const FORCE_EXIT_MS = 15_000;

/** Runs the primary (in the primary process) or one worker's server (in a worker). */
export async function serveCluster(config: Config): Promise<void> {
  if (cluster.isWorker) {
    const { serve } = await import('./main.js');
    await serve(config);
    return;
  }
  runPrimary(config);
}

function runPrimary(config: Config): void {
  const log = createLogger(config.logLevel);
  const started = new Map<Worker, number>();
  let stopping = false;
  let listening = 0;
  let first = true;

  const fork = () => {
    // Only the first worker seeds the demo store on an empty database; a restarted one never does.
    const worker = cluster.fork({ RELEVO_DEMO: first && config.demo ? '1' : '0' });
    first = false;
    started.set(worker, Date.now());
  };

  cluster.on('listening', (worker, address) => {
    log.info({ worker: worker.process.pid, port: address.port }, 'worker listening');
    if (++listening === config.workers) log.info({ port: address.port, workers: config.workers }, 'cluster listening');
  });
  cluster.on('exit', (worker, code, signal) => {
    const since = started.get(worker) ?? 0;
    started.delete(worker);
    if (stopping) {
      if (started.size === 0) {
        log.info('stopped');
        log.flush();
        process.exit(0);
      }
      return;
    }
    log.error({ worker: worker.process.pid, code, signal }, 'worker died; starting another');
    setTimeout(fork, Date.now() - since < EARLY_DEATH_MS ? RESTART_DELAY_MS : 0);
  });

  const onSignal = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, workers: started.size }, 'signal received: draining workers');
    for (const worker of started.keys()) worker.process.kill('SIGTERM');
    if (started.size === 0) process.exit(0);
    setTimeout(() => process.exit(1), FORCE_EXIT_MS).unref();
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));

  log.info({ workers: config.workers, storage: 'postgres' }, 'starting workers');
  for (let i = 0; i < config.workers; i++) fork();
}
