/**
 * Group commit. Callers add items and wait; the buffer writes everything that arrived while the
 * previous write was running in one transaction, so a single caller waits for one commit and
 * many concurrent callers share one. It flushes when the current write finishes, when `maxItems`
 * are waiting, after `maxWaitMs` (0 = at the next turn of the event loop), and on close. A caller
 * is answered only after the commit holding its item succeeded; if the commit fails, every
 * caller of that batch gets the error (nothing is acknowledged that was not stored). It holds at
 * most `maxPending` uncommitted items (queued or being written): past that, `add` refuses with
 * OverloadedError instead of queueing without bound.
 */
import { OverloadedError } from '../errors.js';


export interface WriteBufferOptions<T, R> {
  /** Writes one batch in one transaction; returns one result per item, in order. */
  write(items: T[]): Promise<R[]>;
  maxItems: number;
  maxWaitMs: number;
  /** Uncommitted items (queued + being written) beyond which add() refuses; default unbounded. */
  maxPending?: number;
  /** Called after each successful commit with the batch and its results (models, rollups). */
  afterCommit?(items: T[], results: R[]): void;
}

interface Pending<T, R> {
  item: T;
  resolve(result: R): void;
  reject(err: unknown): void;
}

export class WriteBuffer<T, R> {
  private queue: Pending<T, R>[] = [];
  private writing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private scheduled = false;
  private closed = false;
  /** Items of the batch being written now. */
  private writingCount = 0;
  /** Sizes of the batches committed so far (for metrics). */
  onBatch: ((size: number, ms: number) => void) | null = null;

  constructor(private readonly options: WriteBufferOptions<T, R>) {}

  /** Queues an item; resolves with its result once its batch is committed. */
  add(item: T): Promise<R> {
    if (this.closed) return Promise.reject(new Error('write buffer is closed'));
    if (!this.hasRoom(1)) return Promise.reject(overloaded());
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves when the write running now (if any) has committed and its afterCommit ran. */
  async currentWrite(): Promise<void> {
    await this.writing;
  }

  /** Items waiting for a commit. */
  get pending(): number {
    return this.queue.length;
  }

  /** Items not yet committed: queued, plus the batch being written. */
  get uncommitted(): number {
    return this.queue.length + this.writingCount;
  }

  /** Whether `n` more items may be added now without passing maxPending. */
  hasRoom(n: number): boolean {
    return this.options.maxPending === undefined || this.uncommitted + n <= this.options.maxPending;
  }

  /** Writes everything queued and refuses new items. */
  async close(): Promise<void> {
    this.closed = true;
    await this.drain();
  }

  /** Resolves once everything queued so far is committed (or failed). */
  async drain(): Promise<void> {
    while (this.writing || this.queue.length > 0) {
      if (!this.writing) this.flush();
      await this.writing;
    }
  }

  private schedule(): void {
    if (this.writing) return; // the running write flushes again when it ends
    if (this.queue.length >= this.options.maxItems) return this.flush();
    if (this.options.maxWaitMs > 0) {
      this.timer ??= setTimeout(() => this.flush(), this.options.maxWaitMs);
    } else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.scheduled = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.writing || this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.options.maxItems);
    const started = performance.now();
    this.writingCount = batch.length;
    this.writing = this.commit(batch, started).finally(() => {
      this.writing = null;
      this.writingCount = 0;
      if (this.queue.length > 0) this.flush();
    });
  }

  private async commit(batch: Pending<T, R>[], started: number): Promise<void> {
    const items = batch.map((p) => p.item);
    let results: R[];
    try {
      results = await this.options.write(items);
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    this.onBatch?.(batch.length, performance.now() - started);
    try {
      this.options.afterCommit?.(items, results);
    } finally {
      batch.forEach((p, i) => p.resolve(results[i]));
    }
  }
}

/** The refusal of a full buffer: retry after a second, by when a few commits have run. */
export function overloaded(): OverloadedError {
  return new OverloadedError('Service overloaded: too many events are waiting to be stored; retry shortly', 1);
}
