/**
 * WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside whichever COMMIT
 * takes the WAL past 1,000 pages: it copies those pages into the database file and fsyncs it, on
 * the thread that committed, while every request waits. Under the recommendations benchmark
 * (impressions and their rollups, 1 connection) transactions over 8 ms fell from 46-75 to 8-24
 * per run when automatic checkpoints were off, and p99 latency from 9 to 6-7 ms.
 *
 * Here a worker thread with its own connection to the same file runs PASSIVE checkpoints (they
 * never wait for, nor block, the writer or readers) every intervalMs. The worker starts once the
 * WAL passes START_BYTES, so a database that sees few writes (most test files, CLI runs) never
 * pays for a thread. From then on the main connection's automatic checkpoint is only a backstop,
 * at BACKSTOP_PAGES, for a worker that falls far behind or dies.
 */
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** The WAL size that starts the worker: well below the automatic checkpoint's 1,000 pages (4 MiB). */
export const START_BYTES = 1 << 20;
/** The main connection's wal_autocheckpoint once the worker runs (pages; 40 MiB of 4 KiB pages). */
export const BACKSTOP_PAGES = 10_000;
const INTERVAL_MS = 100;

/**
 * The worker, as CommonJS source (it must also run under vitest, where src/ holds no .js file). It
 * loads the same driver the main thread uses, by absolute path, and checkpoints with the main
 * connection's synchronous level: that level decides whether a checkpoint fsyncs.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('synchronous = ' + workerData.synchronous);
const timer = setInterval(() => {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    if (r.checkpointed > 0) parentPort.postMessage({ checkpointed: r.checkpointed, log: r.log });
  } catch (err) {
    parentPort.postMessage({ error: String((err && err.message) || err) });
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface CheckpointStats {
  /** Checkpoints that copied at least one page. */
  runs: number;
  /** Pages copied in all. */
  pages: number;
  /** The last error the worker reported (it keeps trying), or null. */
  lastError: string | null;
}

export class Checkpointer {
  private worker: Worker | null = null;
  private stopped = false;
  readonly stats: CheckpointStats = { runs: 0, pages: 0, lastError: null };

  constructor(
    private readonly raw: Database.Database,
    /** The connection's synchronous level (0-3), for the worker's connection. */
    private readonly synchronous: number,
    private readonly intervalMs = INTERVAL_MS,
  ) {}

  /** Whether the worker runs. */
  get running(): boolean {
    return this.worker !== null;
  }

  /** Called after each write transaction: starts the worker once the WAL has grown past START_BYTES. */
  afterWrite(): void {
    if (this.worker || this.stopped) return;
    let size = 0;
    try {
      size = statSync(`${this.raw.name}-wal`).size;
    } catch {
      return; // no WAL file (yet): nothing to checkpoint
    }
    if (size >= START_BYTES) this.start();
  }

  /** Starts the worker now (afterWrite does it when needed; tests call it directly). */
  start(): void {
    if (this.worker || this.stopped) return;
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver, path: this.raw.name, synchronous: this.synchronous, intervalMs: this.intervalMs },
    });
    worker.unref(); // checkpoints never keep the process alive
    worker.on('message', (m: { checkpointed?: number; error?: string }) => {
      if (m.error !== undefined) this.stats.lastError = m.error;
      else if (m.checkpointed) {
        this.stats.runs++;
        this.stats.pages += m.checkpointed;
      }
    });
    // A dead worker leaves the backstop: the main connection checkpoints by itself again.
    const fallBack = () => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.stopped = true;
      if (this.raw.open) this.raw.pragma('wal_autocheckpoint = 1000');
    };
    worker.on('error', (err) => {
      this.stats.lastError = err.message;
      fallBack();
    });
    worker.on('exit', fallBack);
    this.worker = worker;
    this.raw.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  }

  /** Stops the worker (it closes its connection) before the main connection closes. */
  async stop(): Promise<void> {
    this.stopped = true;
    const worker = this.worker;
    if (!worker) return;
    this.worker = null;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage('stop');
    const timeout = setTimeout(() => void worker.terminate(), 5000);
    await exited;
    clearTimeout(timeout);
  }
}
