/**
 * A background job run every intervalMs, never two runs at once (a slow run skips ticks), with
 * failures logged rather than thrown. Used by the catalog and event-log tails.
 */
export class Poller {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly run: () => Promise<unknown>,
    private readonly onError: (err: unknown) => void,
  ) {}

  get started(): boolean {
    return this.timer !== null;
  }

  start(intervalMs: number): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.running ??= this.run()
        .then(() => undefined, this.onError)
        .finally(() => (this.running = null));
    }, intervalMs);
    this.timer.unref(); // a tail never keeps the process alive
  }

  /** Stops the timer and waits for a run in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
