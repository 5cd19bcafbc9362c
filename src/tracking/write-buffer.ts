/**
 * Group commit. Callers add items and wait; the buffer writes everything that arrived while the
 * previous write was running in one transaction, so a single caller waits for one commit and
 * many concurrent callers share one. It flushes when the current write finishes, when `maxItems`
 * are waiting, after `maxWaitMs` (0 = at the next turn of the event loop), and on close. Items
 * added as `patient` (nobody waits for them) may wait up to `patientWaitMs` for company, so they
 * share commits; any other item flushes them along with it. A caller
 * is answered only after the commit holding its item succeeded; if the commit fails, every
 * caller of that batch gets the error (nothing is acknowledged that was not stored).
 */

export interface WriteBufferOptions<T, R> {
  /** Writes one batch in one transaction; returns one result per item, in order. */
  write(items: T[]): Promise<R[]>;
  maxItems: number;
  maxWaitMs: number;
  /** How long a batch of patient items only may wait (default: maxWaitMs). */
  patientWaitMs?: number;
  /** Called after each successful commit with the batch and its results (models, rollups). */
  afterCommit?(items: T[], results: R[]): void;
}

interface Pending<T, R> {
  item: T;
  patient: boolean;
  resolve(result: R): void;
  reject(err: unknown): void;
}

export class WriteBuffer<T, R> {
  private queue: Pending<T, R>[] = [];
  private writing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private scheduled = false;
  /** Items in the queue that someone waits for (not patient). */
  private urgent = 0;
  /** Whether the pending timer is a patient-only one (an urgent item replaces it). */
  private timerPatient = false;
  private closed = false;
  /** Sizes of the batches committed so far (for metrics). */
  onBatch: ((size: number, ms: number) => void) | null = null;

  constructor(private readonly options: WriteBufferOptions<T, R>) {}

  /** Queues an item; resolves with its result once its batch is committed. */
  add(item: T, opts: { patient?: boolean } = {}): Promise<R> {
    if (this.closed) return Promise.reject(new Error('write buffer is closed'));
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject, patient: opts.patient === true });
      if (!opts.patient) this.urgent++;
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
    const patientOnly = this.urgent === 0;
    const wait = patientOnly ? (this.options.patientWaitMs ?? this.options.maxWaitMs) : this.options.maxWaitMs;
    if (wait > 0) {
      // A patient-only timer is cut short by the first urgent item (it gets the urgent wait).
      if (this.timer && !patientOnly && this.timerPatient) this.clearTimer();
      if (!this.timer) {
        this.timerPatient = patientOnly;
        this.timer = setTimeout(() => this.flush(), wait);
      }
    } else if (!this.scheduled) {
      this.clearTimer();
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private flush(): void {
    this.scheduled = false;
    this.clearTimer();
    if (this.writing || this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.options.maxItems);
    for (const p of batch) if (!p.patient) this.urgent--;
    const started = performance.now();
    this.writing = this.commit(batch, started).finally(() => {
      this.writing = null;
      // Urgent items that arrived meanwhile go now; patient ones get their wait again.
      if (this.urgent > 0) this.flush();
      else if (this.queue.length > 0) this.schedule();
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
