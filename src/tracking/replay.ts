/**
 * Replays a clickstream file through the tracker, the same ingest path as the `log/*` endpoints
 * (gates, group commit, commit listeners), for evaluation and demos. Two formats:
 *
 * - `yoochoose`: tab-separated `SessionId  ItemId  Time` (header line, Time in float unix
 *   seconds, sorted by session then time); each row is a product view of visitor `y<SessionId>`.
 * - `otto`: JSON lines `{"session":N,"events":[{"aid","ts" (unix ms),"type"}]}`; `clicks` become
 *   clicks, `carts` cart adds, and the `orders` of one session sharing a `ts` are ONE sale
 *   (`o<session>-<ts>`, one line per order event, price 0: OTTO has no prices).
 *
 * The file is streamed line by line (memory stays bounded by `concurrency` sessions). Events of
 * one visitor are sent strictly in order; different visitors run concurrently so the write
 * buffer's group commit batches them.
 */
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { RequestInfo } from '../api/route.js';
import type { StoreRecord } from '../storage/ports.js';
import type { TrackContext } from './ingest.js';
import type { Tracker } from './tracker.js';
import { VISITOR_PATTERN } from './visitor.js';

export type ReplayFormat = 'yoochoose' | 'otto';
/** Counted per activity type, as privacy/info shows them: a sale counts one per sold line. */
export type ReplayType = 'product' | 'click' | 'cart' | 'sale';
export type ReplayCounts = Record<ReplayType, number>;

export const YOOCHOOSE_HEADER = 'SessionId\tItemId\tTime';
/** A desktop browser: replayed events must pass the bot gate like a shopper's. */
export const REPLAY_USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36 relevo-replay';

export interface ReplayOptions {
  tracker: Tracker;
  /** Must be privileged: replayed events carry their own `time` (backfill). */
  ctx: TrackContext;
  /** Detected from the first line when absent. */
  format?: ReplayFormat;
  onProgress?: (p: { bytes: number; events: number }) => void;
  /** Prepended to session IDs to make visitor IDs (default `y` for yoochoose, `o` for OTTO). */
  visitorPrefix?: string;
  /** Sessions in flight at once (default 64). */
  concurrency?: number;
}

export interface ReplayResult {
  sessions: number;
  events: ReplayCounts;
}

/** A malformed input line; the message names the line number. */
export class ReplayError extends Error {
  constructor(readonly line: number, detail: string) {
    super(`line ${line}: ${detail}`);
    this.name = 'ReplayError';
  }
}

type Step =
  | { type: 'product' | 'click' | 'cart'; product: string | number; time: number }
  | { type: 'sale'; sale: string; products: Array<{ id: string | number; price: number; quantity: number }>; time: number };

interface InputSession {
  visitor: string;
  steps: Step[];
  /** Input bytes consumed up to the end of this session. */
  bytes: number;
}

/** The tracking context of a replay: the store, privileged, from a fixed local browser. */
export function replayContext(store: StoreRecord): TrackContext {
  const request: RequestInfo = { ip: '127.0.0.1', userAgent: REPLAY_USER_AGENT, remoteAddress: '127.0.0.1', forwardedFor: undefined, method: 'POST' };
  return { store, request, privileged: true };
}

/** Streams the file through the tracker; resolves with what was sent, per activity type. */
export async function replayFile(path: string, opts: ReplayOptions): Promise<ReplayResult> {
  if (!opts.ctx.privileged) throw new Error('replayFile needs a privileged context (events carry their own time)');
  const limit = Math.max(1, opts.concurrency ?? 64);
  const result: ReplayResult = { sessions: 0, events: emptyCounts() };
  const running = new Set<Promise<void>>();
  // The last queued session of each visitor still in flight: a later session of the same visitor
  // (an unsorted file) starts only after it, so one visitor's events stay in order.
  const tails = new Map<string, Promise<void>>();
  let failure: { err: unknown } | null = null;
  let sent = 0;
  let bytes = 0;
  try {
    for await (const session of readSessions(path, opts.format, opts.visitorPrefix)) {
      if (failure) break;
      result.sessions++;
      const previous = tails.get(session.visitor);
      const task = (async () => {
        if (previous) await previous;
        for (const step of session.steps) {
          if (failure) return;
          await sendStep(opts.tracker, opts.ctx, session.visitor, step);
          const n = step.type === 'sale' ? step.products.length : 1;
          result.events[step.type] += n;
          sent += n;
        }
        bytes = Math.max(bytes, session.bytes);
        opts.onProgress?.({ bytes, events: sent });
      })();
      const tracked: Promise<void> = task
        .catch((err: unknown) => void (failure ??= { err }))
        .finally(() => {
          running.delete(tracked);
          if (tails.get(session.visitor) === tracked) tails.delete(session.visitor);
        });
      running.add(tracked);
      tails.set(session.visitor, tracked);
      while (running.size >= limit) await Promise.race(running);
    }
  } finally {
    // Also on a parse error: nothing may still be writing when the caller closes the runtime.
    await Promise.all(running);
  }
  if (failure) throw (failure as { err: unknown }).err;
  return result;
}

/** What a replay of the file would send: sessions and events per activity type (no tracker). */
export async function countReplayInput(path: string, opts: { format?: ReplayFormat } = {}): Promise<{ sessions: number; byType: ReplayCounts }> {
  const byType = emptyCounts();
  let sessions = 0;
  for await (const session of readSessions(path, opts.format, undefined)) {
    sessions++;
    for (const step of session.steps) byType[step.type] += step.type === 'sale' ? step.products.length : 1;
  }
  return { sessions, byType };
}

/** The format of a file from its first non-empty line, or null when neither fits. */
export function detectFormat(firstLine: string): ReplayFormat | null {
  const line = firstLine.replace(/^\uFEFF/, '').trim();
  if (line === YOOCHOOSE_HEADER) return 'yoochoose';
  if (line.startsWith('{')) return 'otto';
  return null;
}

function emptyCounts(): ReplayCounts {
  return { product: 0, click: 0, cart: 0, sale: 0 };
}

async function sendStep(tracker: Tracker, ctx: TrackContext, visitor: string, step: Step): Promise<void> {
  switch (step.type) {
    case 'product':
      return tracker.view(ctx, 'product', step.product, visitor, step.time);
    case 'click':
      return tracker.click(ctx, { product: step.product, visitor, time: step.time });
    case 'cart':
      // One basket per session (the visitor ID), rather than a fresh random basket per line.
      await tracker.cart(ctx, 'add', [{ id: step.product, qty: 1 }], { visitor, basketId: visitor, time: step.time });
      return;
    case 'sale':
      await tracker.sale(ctx, { sale: step.sale, products: step.products, visitor, time: step.time });
  }
}

/** The sessions of the file in input order; a yoochoose session is a run of rows with one SessionId. */
async function* readSessions(path: string, format: ReplayFormat | undefined, prefix: string | undefined): AsyncGenerator<InputSession> {
  const handle = await open(path); // fails here (ENOENT…) rather than inside readline
  const lines = createInterface({ input: handle.createReadStream({ encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNo = 0;
  let bytes = 0;
  let current: InputSession | null = null;
  let currentId = '';
  try {
    for await (const raw of lines) {
      lineNo++;
      bytes += Buffer.byteLength(raw) + 1;
      const line = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      if (line.trim() === '') continue;
      if (!format) {
        format = detectFormat(line) ?? undefined;
        if (!format) throw new ReplayError(lineNo, `unknown format: expected the header "SessionId<TAB>ItemId<TAB>Time" (yoochoose) or a JSON object (otto)`);
      }
      if (format === 'otto') {
        yield { ...parseOttoLine(line, lineNo, prefix ?? 'o'), bytes };
        continue;
      }
      if (line.trim() === YOOCHOOSE_HEADER) continue;
      const row = parseYoochooseLine(line, lineNo, prefix ?? 'y');
      if (current && row.session === currentId) {
        current.steps.push(row.step);
        current.bytes = bytes;
        continue;
      }
      if (current) yield current;
      current = { visitor: row.visitor, steps: [row.step], bytes };
      currentId = row.session;
    }
    if (current) yield current;
  } finally {
    lines.close();
    await handle.close();
  }
}

function visitorFor(prefix: string, session: string, lineNo: number): string {
  const visitor = `${prefix}${session}`;
  if (!VISITOR_PATTERN.test(visitor)) throw new ReplayError(lineNo, `visitor ID "${visitor}" (prefix + session) must match ^[A-Za-z0-9]{1,32}$`);
  return visitor;
}

function parseYoochooseLine(line: string, lineNo: number, prefix: string): { session: string; visitor: string; step: Step } {
  const fields = line.trimEnd().split('\t');
  if (fields.length !== 3) throw new ReplayError(lineNo, `expected 3 tab-separated fields (SessionId, ItemId, Time), got ${fields.length}`);
  const [session, item, timeText] = fields;
  if (!/^[A-Za-z0-9]+$/.test(session)) throw new ReplayError(lineNo, `SessionId "${session}" must be letters and digits`);
  if (!/^\S{1,200}$/.test(item)) throw new ReplayError(lineNo, `ItemId "${item}" must be 1..200 non-blank characters`);
  const time = Number(timeText);
  if (timeText === '' || !Number.isFinite(time) || time < 0) throw new ReplayError(lineNo, `Time "${timeText}" must be unix seconds`);
  return { session, visitor: visitorFor(prefix, session, lineNo), step: { type: 'product', product: item, time } };
}

const OTTO_TYPES = { clicks: 'click', carts: 'cart', orders: 'sale' } as const;

function parseOttoLine(line: string, lineNo: number, prefix: string): Omit<InputSession, 'bytes'> {
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch (err) {
    throw new ReplayError(lineNo, `invalid JSON (${(err as Error).message})`);
  }
  const { session, events } = (doc ?? {}) as { session?: unknown; events?: unknown };
  if (!(Number.isSafeInteger(session) || (typeof session === 'string' && /^[A-Za-z0-9]+$/.test(session)))) {
    throw new ReplayError(lineNo, 'session must be an integer');
  }
  if (!Array.isArray(events)) throw new ReplayError(lineNo, 'events must be a list');
  const visitor = visitorFor(prefix, String(session), lineNo);
  const steps: Step[] = [];
  // One checkout: the orders sharing a ts become one sale, at the position of its first order.
  const sales = new Map<number, Extract<Step, { type: 'sale' }>>();
  events.forEach((e: unknown, i) => {
    const { aid, ts, type } = (e ?? {}) as { aid?: unknown; ts?: unknown; type?: unknown };
    if (!(Number.isSafeInteger(aid) || (typeof aid === 'string' && aid !== ''))) throw new ReplayError(lineNo, `events[${i}].aid must be an article ID`);
    if (typeof ts !== 'number' || !Number.isFinite(ts) || ts < 0) throw new ReplayError(lineNo, `events[${i}].ts must be unix milliseconds`);
    if (typeof type !== 'string' || !Object.hasOwn(OTTO_TYPES, type)) throw new ReplayError(lineNo, `events[${i}].type must be clicks, carts or orders`);
    const kind = OTTO_TYPES[type as keyof typeof OTTO_TYPES];
    const product = aid as string | number;
    if (kind !== 'sale') return void steps.push({ type: kind, product, time: ts / 1000 });
    const line = { id: product, price: 0, quantity: 1 };
    const sale = sales.get(ts);
    if (sale) return void sale.products.push(line);
    const step: Step = { type: 'sale', sale: `${visitor}-${ts}`, products: [line], time: ts / 1000 };
    sales.set(ts, step);
    steps.push(step);
  });
  return { visitor, steps };
}
