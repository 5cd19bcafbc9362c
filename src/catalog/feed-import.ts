/**
 * Clerk's single-file JSON feed → one atomic ImportSession. The file is tokenised as it arrives
 * and only one record is assembled at a time, so memory does not grow with the feed (apart from
 * a map of the IDs seen, needed to name both ends of a duplicate).
 *
 * `strict` may come after the arrays (our own exports put it first; other producers need not).
 * Until it is known, a record is normalised at once when it has no string lenient mode could
 * convert (then both modes agree, see normalize.ts); the few that do are spooled raw to a temp
 * file and normalised once the whole feed has been read. That keeps one pass over the input,
 * so an HTTP body works as well as a file, and costs disk only for ambiguous records.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { CatalogEntry, CatalogKind, ImportSession, ImportStats } from '../storage/ports.js';
import { mayCoerce, normalizeEntry, RecordError } from './normalize.js';

/** A feed that cannot be imported. `message` is complete: `orders[12].products[0].quantity: must be an integer ≥ 1`. */
export class FeedError extends RecordError {
  constructor(field: string, detail: string) {
    super(field, field ? `${field}: ${detail}` : detail);
    this.name = 'FeedError';
  }
}

export interface ImportFeedOptions {
  /** Called after each chunk of input and once at the end. */
  onProgress?: (p: { bytes: number; records: number }) => void;
  /** Things ignored on purpose, e.g. unknown top-level keys. */
  onWarning?: (message: string) => void;
}

export type ImportFeedResult = ImportStats & { records: number };

const BATCH = 500;
// Input is tokenised in pieces of at most this size, so the tokens awaiting handling stay few.
const PIECE = 1 << 16;
const FEED_KINDS: Record<string, CatalogKind> = {
  products: 'products', categories: 'categories', pages: 'pages', customers: 'customers', orders: 'orders', sales: 'orders',
  // Relevo's own export carries these too, so a feed round trip keeps them.
  parcels: 'parcels', accessories: 'accessories',
};
const MIRRORED: CatalogKind[] = ['products', 'categories', 'pages', 'customers', 'accessories'];
const META_KEYS = new Set(['created', 'strict', 'config']);

/**
 * Streams a feed into `session`: stages every record in batches, commits on success (mirroring
 * the kinds present in the feed; orders and parcels are only appended), aborts and throws FeedError (or the
 * input's own error) otherwise. `input` is read but never destroyed: the caller owns it.
 */
export async function importFeed(input: NodeJS.ReadableStream, session: ImportSession, opts: ImportFeedOptions = {}): Promise<ImportFeedResult> {
  const feed = new FeedReader(session, opts);
  try {
    for await (const chunk of readChunks(input)) await feed.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    await feed.end();
    const stats = await session.commit(feed.mirrored());
    return { ...stats, records: feed.records };
  } catch (err) {
    // The first failure is the one worth reporting; an abort failure would only hide it.
    await session.abort().catch(() => undefined);
    throw err;
  } finally {
    await feed.dispose();
  }
}

/** importFeed over a file. */
export async function importFeedFile(path: string, session: ImportSession, opts: ImportFeedOptions = {}): Promise<ImportFeedResult> {
  const stream = createReadStream(path);
  try {
    return await importFeed(stream, session, opts);
  } finally {
    stream.destroy();
  }
}

// stream-json 1.x is CommonJS without type declarations. Only its tokenizer is used, driven
// synchronously through its Transform hooks with text we decode ourselves: tokens need no stream
// hop each, and the tokenizer's few state fields can be saved per piece, which is what lets a
// syntax error be located to the byte (see locateFault).
interface Token {
  name: string;
  value?: string;
}
type Callback = (err?: Error | null) => void;
interface Tokenizer {
  push(token: Token): boolean;
  _transform(chunk: string, encoding: string, callback: Callback): void;
  _flush(callback: Callback): void;
  /** Text received but not yet tokenised. */
  _buffer: string;
  _expect: string;
  _parent: string;
  _stack: string[];
  _open_number: boolean;
  _accumulator: string;
}
type TokenizerState = Pick<Tokenizer, '_buffer' | '_expect' | '_parent' | '_stack' | '_open_number' | '_accumulator'>;
const { Parser } = createRequire(import.meta.url)('stream-json') as { Parser: new (opts: object) => Tokenizer };

function createTokenizer(sink: Token[] | null, state?: TokenizerState): Tokenizer {
  const tokenizer = new Parser({ packValues: true, streamValues: false });
  tokenizer.push = sink ? (token) => (sink.push(token), true) : () => true;
  if (state) Object.assign(tokenizer, state, { _stack: state._stack.slice() });
  return tokenizer;
}

function saveState(t: Tokenizer): TokenizerState {
  return { _buffer: t._buffer, _expect: t._expect, _parent: t._parent, _stack: t._stack.slice(), _open_number: t._open_number, _accumulator: t._accumulator };
}

type State = 'start' | 'top' | 'value' | 'array' | 'element' | 'meta' | 'skip' | 'end';

class FeedReader {
  records = 0;
  private bytes = 0;
  // Bytes of the input that reached the tokenizer as text (the decoder may hold back a partial character).
  private textBytes = 0;
  private readonly decoder = new StringDecoder('utf8');
  private readonly tokens: Token[] = [];
  private readonly tokenizer = createTokenizer(this.tokens);
  private state: State = 'start';
  private key = '';
  private kind: CatalogKind = 'products';
  private skipDepth = 0;
  private readonly builder = new ValueBuilder();
  private readonly keys = new Set<string>();
  // Records are numbered across the feed; `arrays` maps a number back to `key[index]`.
  private seq = 0;
  private readonly arrays: { key: string; start: number }[] = [];
  private readonly ids = new Map<CatalogKind, Map<string, number>>();
  private readonly batches = new Map<CatalogKind, CatalogEntry[]>();
  private strict: boolean | undefined;
  private strictFrom = '';
  private readonly pending: string[] = [];
  private spool: Spool | undefined;

  constructor(
    private readonly session: ImportSession,
    private readonly opts: ImportFeedOptions,
  ) {}

  async write(chunk: Buffer): Promise<void> {
    for (let offset = 0; offset < chunk.length; offset += PIECE) {
      const piece = chunk.subarray(offset, offset + PIECE);
      this.bytes += piece.length;
      this.tokenize(this.decoder.write(piece));
      await this.drain(BATCH);
    }
    this.opts.onProgress?.({ bytes: this.bytes, records: this.records });
  }

  async end(): Promise<void> {
    this.tokenize(this.decoder.end());
    let failure: Error | null | undefined;
    this.tokenizer._flush((err) => (failure = err));
    this.handleTokens();
    if (failure) {
      // At the end the tokenizer stands at the start of what it could not complete; a fault
      // with nothing after it, or inside a value cut short, means the input stopped too early.
      const rest = this.tokenizer._buffer;
      if (rest === '' || /^Parser has expected/.test(failure.message)) throw malformed(null, this.textBytes);
      throw malformed(failure, this.textBytes - Buffer.byteLength(rest));
    }
    if (this.state !== 'end') throw new FeedError('', `Malformed JSON at byte ${this.bytes}: unexpected end of input`);
    await this.drain(BATCH);
    await this.replaySpool();
    await this.drain(1);
    this.opts.onProgress?.({ bytes: this.bytes, records: this.records });
  }

  private tokenize(text: string): void {
    const before = saveState(this.tokenizer);
    let failure: Error | null | undefined;
    this.tokenizer._transform(text, 'utf8', (err) => (failure = err));
    // Tokens before the fault come first in the file, so their record errors win.
    this.handleTokens();
    if (failure) {
      const start = this.textBytes - Buffer.byteLength(before._buffer);
      const at = locateFault(before, text);
      throw malformed(failure, start + Buffer.byteLength((before._buffer + text).slice(0, at)));
    }
    this.textBytes += Buffer.byteLength(text);
  }

  /** Mirrored kinds whose key the feed carried: a feed without `pages` leaves pages alone. */
  mirrored(): CatalogKind[] {
    return MIRRORED.filter((kind) => this.keys.has(kind));
  }

  async dispose(): Promise<void> {
    await this.spool?.dispose();
  }

  private handleTokens(): void {
    for (const token of this.tokens) this.handle(token);
    this.tokens.length = 0;
  }

  private handle(token: Token): void {
    switch (this.state) {
      case 'start':
        if (token.name !== 'startObject') throw new FeedError('', 'the feed must be a JSON object');
        this.state = 'top';
        return;
      case 'top':
        if (token.name === 'endObject') this.state = 'end';
        else if (token.name === 'keyValue') this.beginKey(token.value ?? '');
        return;
      case 'value':
        return this.beginValue(token);
      case 'array':
        if (token.name === 'endArray') this.state = 'top';
        else if (this.builder.add(token)) this.finishRecord();
        else this.state = 'element';
        return;
      case 'element':
        if (this.builder.add(token)) {
          this.finishRecord();
          this.state = 'array';
        }
        return;
      case 'meta':
        if (this.builder.add(token)) this.finishMeta(this.builder.value);
        return;
      case 'skip':
        if (token.name === 'startObject' || token.name === 'startArray') this.skipDepth++;
        else if (token.name === 'endObject' || token.name === 'endArray') this.skipDepth--;
        if (this.skipDepth === 0) this.state = 'top';
        return;
      case 'end':
        return;
    }
  }

  private beginKey(key: string): void {
    // Two `products` arrays would make "mirror" ambiguous; JSON.parse would silently keep one.
    if (this.keys.has(key)) throw new FeedError(key, 'appears more than once in the feed');
    if (FEED_KINDS[key] === 'orders' && (this.keys.has('orders') || this.keys.has('sales'))) {
      throw new FeedError(key, 'the feed has both orders and sales; send one');
    }
    this.keys.add(key);
    this.key = key;
    this.state = 'value';
  }

  private beginValue(token: Token): void {
    const kind = FEED_KINDS[this.key];
    if (kind) {
      if (token.name !== 'startArray') throw new FeedError(this.key, 'must be an array');
      this.kind = kind;
      this.arrays.push({ key: this.key, start: this.seq });
      this.state = 'array';
    } else if (META_KEYS.has(this.key)) {
      this.state = 'meta';
      if (this.builder.add(token)) this.finishMeta(this.builder.value);
    } else {
      this.opts.onWarning?.(`unknown top-level key ${JSON.stringify(this.key)} ignored`);
      this.state = 'skip';
      this.skipDepth = 0;
      this.handle(token);
    }
  }

  private finishRecord(): void {
    const seq = this.seq++;
    this.records++;
    const raw = this.builder.value;
    if (this.strict === undefined && mayCoerce(raw)) {
      this.pending.push(JSON.stringify({ k: this.kind, s: seq, r: raw }) + '\n');
    } else {
      this.accept(this.kind, seq, raw, this.strict ?? false);
    }
  }

  private accept(kind: CatalogKind, seq: number, raw: unknown, strict: boolean): void {
    let entry: CatalogEntry;
    try {
      entry = normalizeEntry(kind, raw, { strict });
    } catch (err) {
      if (err instanceof RecordError) throw new FeedError(joinPath(this.label(seq), err.field), err.message);
      throw err;
    }
    let ids = this.ids.get(kind);
    if (!ids) this.ids.set(kind, (ids = new Map()));
    const other = ids.get(entry.key);
    if (other !== undefined) {
      const [first, second] = other < seq ? [other, seq] : [seq, other];
      throw new FeedError(this.label(second), `has the same id ${JSON.stringify(entry.key)} as ${this.label(first)}`);
    }
    ids.set(entry.key, seq);
    let batch = this.batches.get(kind);
    if (!batch) this.batches.set(kind, (batch = []));
    batch.push(entry);
  }

  private finishMeta(value: unknown): void {
    this.state = 'top';
    if (this.key === 'strict') return this.setStrict(value, 'strict');
    if (this.key === 'created') return this.checkCreated(value, 'created');
    if (value === null) return;
    if (typeof value !== 'object' || Array.isArray(value)) throw new FeedError('config', 'must be an object');
    for (const [name, v] of Object.entries(value)) {
      if (name === 'strict') this.setStrict(v, 'config.strict');
      else if (name === 'created') this.checkCreated(v, 'config.created');
      else this.opts.onWarning?.(`unknown key ${JSON.stringify(`config.${name}`)} ignored`);
    }
  }

  private setStrict(value: unknown, where: string): void {
    if (value === null) return;
    if (typeof value !== 'boolean') throw new FeedError(where, 'must be true or false');
    if (this.strict !== undefined && this.strict !== value) throw new FeedError(where, `contradicts ${this.strictFrom}`);
    this.strict = value;
    this.strictFrom = where;
  }

  // `created` versions feeds against live API pushes, which Relevo does not do (yet): a bad
  // value is worth a warning, not a failed import.
  private checkCreated(value: unknown, where: string): void {
    if (value === null || (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && /^\d+$/.test(value))) return;
    this.opts.onWarning?.(`${where} ignored: not a unix time in seconds`);
  }

  private label(seq: number): string {
    for (let i = this.arrays.length - 1; i >= 0; i--) {
      const { key, start } = this.arrays[i];
      if (start <= seq) return `${key}[${seq - start}]`;
    }
    return `[${seq}]`;
  }

  // Stages full batches (all when min is 1) and writes spooled records out.
  private async drain(min: number): Promise<void> {
    for (const [kind, batch] of this.batches) {
      while (batch.length >= min && batch.length > 0) await this.session.stage(kind, batch.splice(0, BATCH));
    }
    if (this.pending.length === 0) return;
    this.spool ??= await Spool.open();
    for (const line of this.pending.splice(0)) await this.spool.write(line);
  }

  private async replaySpool(): Promise<void> {
    if (!this.spool) return;
    const strict = this.strict ?? false;
    for await (const line of this.spool.lines()) {
      const { k, s, r } = JSON.parse(line) as { k: CatalogKind; s: number; r: unknown };
      this.accept(k, s, r, strict);
      await this.drain(BATCH);
    }
  }
}

// `err` null: the input ended early.
function malformed(err: Error | null, byte: number): FeedError {
  const detail = err ? err.message.replace(/^Parser cannot parse input: /, '') : 'unexpected end of input';
  return new FeedError('', `Malformed JSON at byte ${Math.max(0, byte)}: ${detail}`);
}

/**
 * Where in `state._buffer + text` the tokenizer, started from `state`, gives up: the shortest
 * failing prefix is found by bisection (more input never cures a fault), and the fault lies where
 * the tokenizer stood waiting one character earlier. Runs only after a failure.
 */
function locateFault(state: TokenizerState, text: string): number {
  const fails = (length: number) => {
    let failed = false;
    createTokenizer(null, state)._transform(text.slice(0, length), 'utf8', (err) => (failed = !!err));
    return failed;
  };
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (fails(mid)) hi = mid;
    else lo = mid + 1;
  }
  const probe = createTokenizer(null, state);
  probe._transform(text.slice(0, Math.max(0, lo - 1)), 'utf8', () => undefined);
  return state._buffer.length + Math.max(0, lo - 1) - probe._buffer.length;
}

function joinPath(base: string, field: string): string {
  if (!field) return base;
  return field.startsWith('[') ? base + field : `${base}.${field}`;
}

/** Builds one JSON value from tokens, like JSON.parse would. */
class ValueBuilder {
  value: unknown;
  private readonly stack: (Record<string, unknown> | unknown[])[] = [];
  private readonly keys: string[] = [];

  /** Feeds one token; true when a whole value is complete (read it from `value`). */
  add(token: Token): boolean {
    switch (token.name) {
      case 'startObject':
        this.stack.push({});
        this.keys.push('');
        return false;
      case 'startArray':
        this.stack.push([]);
        this.keys.push('');
        return false;
      case 'endObject':
      case 'endArray':
        this.keys.pop();
        return this.put(this.stack.pop());
      case 'keyValue':
        this.keys[this.keys.length - 1] = token.value ?? '';
        return false;
      case 'stringValue':
        return this.put(token.value ?? '');
      case 'numberValue':
        return this.put(Number(token.value));
      case 'nullValue':
        return this.put(null);
      case 'trueValue':
        return this.put(true);
      case 'falseValue':
        return this.put(false);
      default:
        return false;
    }
  }

  private put(value: unknown): boolean {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined) {
      this.value = value;
      return true;
    }
    if (Array.isArray(top)) top.push(value);
    else {
      const key = this.keys[this.keys.length - 1];
      // As JSON.parse does: `__proto__` becomes an own property, never the prototype.
      if (key === '__proto__') Object.defineProperty(top, key, { value, writable: true, enumerable: true, configurable: true });
      else top[key] = value;
    }
    return false;
  }
}

/** Raw records waiting for `strict`, one JSON line each, in a private temp directory. */
class Spool {
  private constructor(
    private readonly dir: string,
    private readonly out: WriteStream,
  ) {}

  static async open(): Promise<Spool> {
    const dir = await mkdtemp(join(tmpdir(), 'relevo-feed-'));
    return new Spool(dir, createWriteStream(join(dir, 'pending.jsonl')));
  }

  async write(line: string): Promise<void> {
    if (!this.out.write(line)) await once(this.out, 'drain');
  }

  async *lines(): AsyncGenerator<string> {
    await new Promise<void>((resolve, reject) => this.out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    const input = createReadStream(join(this.dir, 'pending.jsonl'));
    try {
      yield* createInterface({ input, crlfDelay: Infinity });
    } finally {
      input.destroy();
    }
  }

  async dispose(): Promise<void> {
    this.out.destroy();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * The chunks of a stream, like `for await (… of stream)` but without destroying the stream when
 * the loop stops early: an HTTP request body must stay usable so the error can still be answered.
 */
async function* readChunks(input: NodeJS.ReadableStream): AsyncGenerator<Buffer | string> {
  const stream = input instanceof Readable ? input : new Readable().wrap(input);
  let ended = stream.readableEnded;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const onReadable = () => wake?.();
  const onEnd = () => ((ended = true), wake?.());
  const onError = (err: unknown) => ((failure = err), wake?.());
  stream.on('readable', onReadable).on('end', onEnd).on('error', onError);
  try {
    for (;;) {
      if (failure) throw failure;
      const chunk: Buffer | string | null = stream.read();
      if (chunk !== null) yield chunk;
      else if (ended) return;
      else await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    stream.off('readable', onReadable).off('end', onEnd).off('error', onError);
  }
}
