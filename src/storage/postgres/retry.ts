/**
 * Surviving a lost connection: which driver errors mean "the connection went away" (retrying on
 * a fresh one may succeed), retries with backoff, and the adapter's health (degraded while a
 * retry is under way or the last attempt failed), with counters for /metrics.
 */
import { UnavailableError } from '../../errors.js';
import type { DbFault, DbHealth } from '../ports.js';

/** SQLSTATEs of a connection lost or refused: admin shutdown, crash shutdown, cannot connect now, connection exceptions. */
const CONNECTION_STATES = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '08P01']);
const CONNECTION_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ECONNABORTED']);
const CONNECTION_MESSAGE = /connection terminated|connection (is )?closed|not queryable|client has encountered a connection error|timeout exceeded when trying to connect|terminating connection/i;

/** Whether err says the connection to the server was lost or could not be made (not a bad statement). */
export function isConnectionError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  if (err instanceof UnavailableError) return true; // an inner retry (a SELECT through the pool) gave up
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_STATES.has(code) || CONNECTION_CODES.has(code))) return true;
  return CONNECTION_MESSAGE.test(String((err as { message?: unknown }).message ?? ''));
}

/**
 * An error raised by COMMIT itself: the transaction may or may not have landed. `xid` (when the
 * transaction was tracked) tells which, through txid_status; `result` is what it would answer.
 */
export class CommitInDoubt extends Error {
  constructor(
    readonly lost: unknown,
    readonly xid: string | null = null,
    readonly result: unknown = undefined,
  ) {
    super(`COMMIT outcome unknown: ${(lost as Error)?.message ?? String(lost)}`);
  }
}

export interface RetryOptions {
  /** Attempts in all (the first one included). */
  attempts: number;
  /** The first wait; it doubles per attempt up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** The operation's name in metrics (`commit`, `read`, `catalog` …). */
  op: string;
}

/** The group commit: 8 attempts over about 4 s (0.1 + 0.2 + 0.4 + 0.8 + 0.8 …). */
export const COMMIT_RETRY: RetryOptions = { attempts: 8, baseDelayMs: 100, maxDelayMs: 800, op: 'commit' };
/**
 * A write outside the group commit (catalog, identity, stores, keys and settings, rollups,
 * forget): 6 attempts over about 2.3 s, so the caller's answer is not held as long as a batch.
 */
export function writeRetry(op: string): RetryOptions {
  return { attempts: 6, baseDelayMs: 100, maxDelayMs: 800, op };
}
/** A single read statement: retried twice, soon. */
export const READ_RETRY: RetryOptions = { attempts: 3, baseDelayMs: 50, maxDelayMs: 200, op: 'read' };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The adapter's view of its database: connection errors and retries are counted, and the health
 * is degraded from the first connection error until an operation succeeds again.
 */
export class PostgresHealth implements DbHealth {
  private reason: string | null = null;
  /** Operations waiting to retry now. */
  private active = 0;
  private readonly listeners: Array<(fault: DbFault) => void> = [];

  /** Listens to every connection error and retry (for /metrics). */
  onFault(listener: (fault: DbFault) => void): void {
    this.listeners.push(listener);
  }

  /** null when healthy, else why not. */
  degraded(): string | null {
    return this.reason ?? (this.active > 0 ? 'retrying after a lost database connection' : null);
  }

  /** A connection error was met by op. */
  failed(op: string, err: unknown): void {
    this.reason = `database unreachable (${op}): ${(err as Error)?.message ?? String(err)}`;
    for (const l of this.listeners) l({ kind: 'error', op });
  }

  /** op waits to try again (an instant retry, as the LISTEN connection's, passes no `waiting`). */
  retrying(op: string, waiting = 0): void {
    this.active += waiting;
    for (const l of this.listeners) l({ kind: 'retry', op });
  }

  /** A retrying operation ended (committed, or gave up). */
  settled(): void {
    this.active = Math.max(0, this.active - 1);
  }

  /** An operation succeeded: the database answers again. */
  ok(): void {
    this.reason = null;
  }
}

/**
 * Runs fn, and again on a fresh connection after a connection error, with backoff; other errors
 * are thrown at once. When every attempt met a lost connection, throws UnavailableError (503 with
 * Retry-After to a client; its `cause` is the last driver error). After a COMMIT in doubt (fn threw CommitInDoubt), `landed` is asked first
 * whether the transaction committed after all: then its value is the answer and nothing is
 * written twice. The check is a read of its own; while the database stays away it fails too,
 * and the next round (an attempt spent) asks again.
 */
export async function withRetry<T>(
  health: PostgresHealth,
  options: RetryOptions,
  fn: () => Promise<T>,
  landed?: (doubt: CommitInDoubt) => Promise<{ value: T } | null>,
): Promise<T> {
  let delay = options.baseDelayMs;
  let inDoubt: CommitInDoubt | null = null;
  let waiting = 0;
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        if (inDoubt && landed) {
          const found = await landed(inDoubt);
          inDoubt = null;
          if (found) {
            health.ok();
            return found.value;
          }
        }
        const value = await fn();
        health.ok();
        return value;
      } catch (err) {
        if (err instanceof CommitInDoubt) inDoubt = err;
        const cause = err instanceof CommitInDoubt ? err.lost : err;
        if (!isConnectionError(cause)) throw cause;
        health.failed(options.op, cause);
        if (attempt >= options.attempts) throw cause instanceof UnavailableError ? cause : new UnavailableError(cause);
        health.retrying(options.op, waiting === 0 ? 1 : 0);
        waiting = 1;
        await sleep(delay);
        delay = Math.min(delay * 2, options.maxDelayMs);
      }
    }
  } finally {
    if (waiting) health.settled();
  }
}
