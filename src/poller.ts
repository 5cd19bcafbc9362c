/**
 * A background job run every intervalMs, never two runs at once (a slow run skips ticks), with
 * failures logged rather than thrown. Used by the catalog and event-log tails. `wake()` runs it
 * now (a database notification said there is something to read); a wake during a run queues one
 * more run right after it, so nothing committed before the wake is left for the next tick.
 */
export class Poller {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly run: () => Promise<unknown>,
    private readonly onError: (err: unknown) => void,
  ) {}

  get started(): boolean {
    return this.timer !== null;
  }

  start(intervalMs: number): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), intervalMs);
    this.timer.unref(); // a tail never keeps the process alive
  }

  /** Runs the job at once (after the run in progress, if any); ignored when stopped. */
  wake(): void {
    if (!this.timer) return;
    if (this.running) this.again = true;
    else this.tick();
  }

  /** Whether a run is in progress. */
  get busy(): boolean {
    return this.running !== null;
  }

  /** Resolves when the run in progress (if any) has ended. */
  settled(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  /** Stops the timer and waits for a run in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.again = false;
    await this.running;
  }

  private tick(): void {
    this.running ??= this.run()
      .then(() => undefined, this.onError)
      .finally(() => {
        this.running = null;
        if (this.again && this.timer) {
          this.again = false;
          this.tick();
        }
      });
  }
}
