/**
 * Argument schemas for the Clerk endpoints: a small validator with zod's vocabulary (object,
 * string().trim().min(), union, optional, default, pipe, preprocess) and zod 4's messages, built
 * for the hot path. Zod cost a third of a minimal call's dispatch inside a loaded server (its
 * layered checks touch many objects per value); these schemas are plain objects whose `parse`
 * does one pass with no allocation but the output. Config keeps zod: it runs once, at boot.
 *
 * `parse` returns the validated (and normalised) value or throws an `Issue` carrying the path of
 * the first bad value; schemas.ts turns that into the Clerk ParsingError naming the argument.
 */

export type Path = Array<string | number>;

/** A JSON Schema (2020-12, as OpenAPI 3.1 uses it) describing what a schema accepts. */
export type JsonSchema = { [keyword: string]: unknown };

/** The first thing wrong with a value: where (from the argument object down) and what. */
export class Issue {
  constructor(
    readonly message: string,
    readonly path: Path = [],
  ) {}
}

/** A schema whose output type is T. */
export abstract class Schema<T> {
  /** The validated value; throws Issue. */
  abstract parse(value: unknown): T;

  /** What this schema accepts, as JSON Schema (docs/openapi.json is generated from it). */
  abstract describe(): JsonSchema;

  /**
   * True when parse would surely throw an Issue for this value, known without trying: a union
   * skips such an option instead of catching its throw (about 0.7 µs each, paid per sale line
   * of log/sale). False means only "try parse".
   */
  rejects(_value: unknown): boolean {
    return false;
  }

  /** Accepts undefined (the argument was not sent). */
  optional(): Optional<T> {
    return new Optional(this);
  }

  /** Stands `value` in for undefined. */
  default(value: Exclude<T, undefined>): Defaulted<Exclude<T, undefined>> {
    return new Defaulted(this as unknown as Schema<Exclude<T, undefined>>, value);
  }

  /** Validates this schema's output with `next`. */
  pipe<U>(next: Schema<U>): Schema<U> {
    return new Piped(this, next);
  }
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

/** What a value is, in zod's words ("received number"). */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : 'number';
  return typeof value;
}

const expected = (type: string, value: unknown) => new Issue(`Invalid input: expected ${type}, received ${kindOf(value)}`);

export class Optional<T> extends Schema<T | undefined> {
  /** Makes the class nominal: a Defaulted has the same members, but its key is not optional. */
  declare private readonly optionalBrand: true;
  constructor(readonly inner: Schema<T>) {
    super();
  }
  parse(value: unknown): T | undefined {
    return value === undefined ? undefined : this.inner.parse(value);
  }
  describe(): JsonSchema {
    return this.inner.describe();
  }
}

export class Defaulted<T> extends Schema<T> {
  constructor(
    readonly inner: Schema<T>,
    readonly fallback: T,
  ) {
    super();
  }
  parse(value: unknown): T {
    return value === undefined ? this.fallback : this.inner.parse(value);
  }
  describe(): JsonSchema {
    return { ...this.inner.describe(), default: this.fallback };
  }
}

class Piped<A, B> extends Schema<B> {
  constructor(
    private readonly first: Schema<A>,
    private readonly next: Schema<B>,
  ) {
    super();
  }
  parse(value: unknown): B {
    return this.next.parse(this.first.parse(value));
  }
  /** Both must hold: merged into one schema when they describe the same type, else allOf. */
  describe(): JsonSchema {
    const a = this.first.describe();
    const b = this.next.describe();
    if (a.type === undefined || b.type === undefined) return { allOf: [a, b] };
    if (a.type === b.type) return { ...a, ...b };
    // number then integer (and the like): the narrower type with both sets of bounds
    if (a.type === 'number' && b.type === 'integer') return { ...a, ...b };
    if (a.type === 'integer' && b.type === 'number') return { ...b, ...a };
    return { allOf: [a, b] };
  }
}

class Preprocessed<T> extends Schema<T> {
  constructor(
    private readonly fn: (value: unknown) => unknown,
    private readonly inner: Schema<T>,
    private readonly accepts: string | undefined,
  ) {
    super();
  }
  parse(value: unknown): T {
    return this.inner.parse(this.fn(value));
  }
  /** The validated form; what the conversion also accepts is said in words (a function cannot be described). */
  describe(): JsonSchema {
    const inner = this.inner.describe();
    if (!this.accepts) return inner;
    return { ...inner, description: [inner.description, `Also accepted: ${this.accepts}.`].filter(Boolean).join(' ') };
  }
}

interface StringRules {
  trim: boolean;
  lower: boolean;
  min: number;
  minMessage?: string;
  max: number;
  maxMessage?: string;
  pattern?: RegExp;
  patternMessage?: string;
}

/** zod 4's email pattern. */
const EMAIL = /^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9-]*\.)+[A-Za-z]{2,}$/;

export class StringSchema extends Schema<string> {
  constructor(private readonly rules: StringRules = { trim: false, lower: false, min: 0, max: Infinity }) {
    super();
  }
  private with(rules: Partial<StringRules>): StringSchema {
    return new StringSchema({ ...this.rules, ...rules });
  }
  trim(): StringSchema {
    return this.with({ trim: true });
  }
  toLowerCase(): StringSchema {
    return this.with({ lower: true });
  }
  min(n: number, message?: string): StringSchema {
    return this.with({ min: n, minMessage: message });
  }
  max(n: number, message?: string): StringSchema {
    return this.with({ max: n, maxMessage: message });
  }
  regex(pattern: RegExp, message?: string): StringSchema {
    return this.with({ pattern, patternMessage: message ?? `Invalid string: must match pattern ${String(pattern)}` });
  }
  email(): StringSchema {
    return this.with({ pattern: EMAIL, patternMessage: 'Invalid email address' });
  }
  parse(value: unknown): string {
    if (typeof value !== 'string') throw expected('string', value);
    const r = this.rules;
    let s = r.trim ? value.trim() : value;
    if (r.lower) s = s.toLowerCase();
    if (s.length < r.min) throw new Issue(r.minMessage ?? `Too small: expected string to have >=${r.min} characters`);
    if (s.length > r.max) throw new Issue(r.maxMessage ?? `Too big: expected string to have <=${r.max} characters`);
    if (r.pattern && !r.pattern.test(s)) throw new Issue(r.patternMessage!);
    return s;
  }
  describe(): JsonSchema {
    const r = this.rules;
    const notes = [r.trim && 'trimmed', r.lower && 'lower-cased'].filter(Boolean);
    return {
      type: 'string',
      ...(r.min > 0 ? { minLength: r.min } : {}),
      ...(r.max < Infinity ? { maxLength: r.max } : {}),
      ...(r.pattern === EMAIL ? { format: 'email' } : r.pattern ? { pattern: r.pattern.source } : {}),
      ...(notes.length > 0 ? { description: `Limits apply after the value is ${notes.join(' and ')}.` } : {}),
    };
  }
}

interface NumberRules {
  int: boolean;
  min: number;
  max: number;
}

export class NumberSchema extends Schema<number> {
  constructor(private readonly rules: NumberRules = { int: false, min: -Infinity, max: Infinity }) {
    super();
  }
  int(): NumberSchema {
    return new NumberSchema({ ...this.rules, int: true });
  }
  min(n: number): NumberSchema {
    return new NumberSchema({ ...this.rules, min: n });
  }
  max(n: number): NumberSchema {
    return new NumberSchema({ ...this.rules, max: n });
  }
  /** Finite numbers only (always the case: like zod 4, infinities are refused). */
  finite(): NumberSchema {
    return this;
  }
  parse(value: unknown): number {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw expected('number', value);
    const r = this.rules;
    if (r.int && !Number.isSafeInteger(value)) throw new Issue('Invalid input: expected int, received number');
    if (value < r.min) throw new Issue(`Too small: expected number to be >=${r.min}`);
    if (value > r.max) throw new Issue(`Too big: expected number to be <=${r.max}`);
    return value;
  }
  describe(): JsonSchema {
    const r = this.rules;
    return { type: r.int ? 'integer' : 'number', ...(r.min > -Infinity ? { minimum: r.min } : {}), ...(r.max < Infinity ? { maximum: r.max } : {}) };
  }
}

class BooleanSchema extends Schema<boolean> {
  parse(value: unknown): boolean {
    if (typeof value !== 'boolean') throw expected('boolean', value);
    return value;
  }
  describe(): JsonSchema {
    return { type: 'boolean' };
  }
}

class NullSchema extends Schema<null> {
  parse(value: unknown): null {
    if (value !== null) throw expected('null', value);
    return null;
  }
  describe(): JsonSchema {
    return { type: 'null' };
  }
}

class UnknownSchema extends Schema<unknown> {
  parse(value: unknown): unknown {
    return value;
  }
  describe(): JsonSchema {
    return { description: 'Any JSON value.' };
  }
}

class EnumSchema<T extends string> extends Schema<T> {
  private readonly message: string;
  constructor(private readonly options: readonly T[]) {
    super();
    this.message = `Invalid option: expected one of ${options.map((o) => JSON.stringify(o)).join('|')}`;
  }
  parse(value: unknown): T {
    if (!this.options.includes(value as T)) throw new Issue(this.message);
    return value as T;
  }
  describe(): JsonSchema {
    return { type: 'string', enum: [...this.options] };
  }
}

export class ArraySchema<T> extends Schema<T[]> {
  constructor(
    private readonly item: Schema<T>,
    private readonly minItems = 0,
    private readonly maxItems = Infinity,
    private readonly minMessage?: string,
    private readonly maxMessage?: string,
  ) {
    super();
  }
  min(n: number, message?: string): ArraySchema<T> {
    return new ArraySchema(this.item, n, this.maxItems, message, this.maxMessage);
  }
  max(n: number, message?: string): ArraySchema<T> {
    return new ArraySchema(this.item, this.minItems, n, this.minMessage, message);
  }
  parse(value: unknown): T[] {
    if (!Array.isArray(value)) throw expected('array', value);
    if (value.length < this.minItems) throw new Issue(this.minMessage ?? `Too small: expected array to have >=${this.minItems} items`);
    if (value.length > this.maxItems) throw new Issue(this.maxMessage ?? `Too big: expected array to have <=${this.maxItems} items`);
    const out = new Array<T>(value.length);
    for (let i = 0; i < value.length; i++) {
      try {
        out[i] = this.item.parse(value[i]);
      } catch (err) {
        throw within(err, i);
      }
    }
    return out;
  }
  describe(): JsonSchema {
    return {
      type: 'array',
      items: this.item.describe(),
      ...(this.minItems > 0 ? { minItems: this.minItems } : {}),
      ...(this.maxItems < Infinity ? { maxItems: this.maxItems } : {}),
    };
  }
}

class UnionSchema<T> extends Schema<T> {
  constructor(private readonly options: ReadonlyArray<Schema<T>>) {
    super();
  }
  parse(value: unknown): T {
    for (const option of this.options) {
      if (option.rejects(value)) continue;
      try {
        return option.parse(value);
      } catch (err) {
        if (!(err instanceof Issue)) throw err;
      }
    }
    throw new Issue('Invalid input');
  }
  describe(): JsonSchema {
    return { anyOf: this.options.map((o) => o.describe()) };
  }
}

/** A product, category, page or order ID: an integer or a trimmed string of 1..200 characters, kept in the type given. */
class IdSchema extends Schema<string | number> {
  rejects(value: unknown): boolean {
    return typeof value !== 'number' && typeof value !== 'string';
  }
  parse(value: unknown): string | number {
    if (typeof value === 'number') {
      if (Number.isSafeInteger(value)) return value;
    } else if (typeof value === 'string') {
      const s = value.trim();
      if (s.length >= 1 && s.length <= 200) return s;
    }
    throw new Issue('Invalid input');
  }
  describe(): JsonSchema {
    return {
      anyOf: [{ type: 'integer', minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER }, { type: 'string', minLength: 1, maxLength: 200 }],
      description: 'An ID: an integer or a string (1..200 characters after trimming), kept in the type given; IDs compare as strings.',
    };
  }
}

export type Shape = Record<string, Schema<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends Optional<unknown> ? K : never }[keyof S];
type Simplify<T> = { [K in keyof T]: T[K] } & {};
export type ObjectOut<S extends Shape> = Simplify<
  { [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Infer<S[K]> }
>;

/** An object of known keys; other keys are dropped (as zod's default `strip`). */
export class ObjectSchema<S extends Shape> extends Schema<ObjectOut<S>> {
  private readonly keys: string[];
  private readonly schemas: Array<Schema<unknown>>;
  /** Keys that must be sent (neither optional nor defaulted). */
  readonly required: string[];
  constructor(readonly shape: S) {
    super();
    this.keys = Object.keys(shape);
    this.schemas = this.keys.map((k) => shape[k]);
    this.required = this.keys.filter((k) => !(shape[k] instanceof Optional) && !(shape[k] instanceof Defaulted));
  }
  parse(value: unknown): ObjectOut<S> {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw expected('object', value);
    const input = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (let i = 0; i < this.keys.length; i++) {
      const key = this.keys[i];
      let parsed: unknown;
      try {
        parsed = this.schemas[i].parse(input[key]);
      } catch (err) {
        throw within(err, key);
      }
      if (parsed !== undefined) out[key] = parsed;
    }
    return out as ObjectOut<S>;
  }
  /** Unknown keys are dropped, not refused, so additional properties are allowed. */
  describe(): JsonSchema {
    const properties = Object.fromEntries(this.keys.map((k, i) => [k, this.schemas[i].describe()]));
    return { type: 'object', properties, ...(this.required.length > 0 ? { required: [...this.required] } : {}) };
  }
}

/** A plain JSON object of anything (catalog records are checked field by field elsewhere). */
class RecordSchema extends Schema<Record<string, unknown>> {
  parse(value: unknown): Record<string, unknown> {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw expected('record', value);
    return value as Record<string, unknown>;
  }
  describe(): JsonSchema {
    return { type: 'object', description: 'A JSON object; its fields are checked by the endpoint (see the endpoint description).' };
  }
}

/** Prefixes an Issue's path with the key or index it was found under; other errors pass as they are. */
function within(err: unknown, at: string | number): unknown {
  if (err instanceof Issue) err.path.unshift(at);
  return err;
}

/** The builders, named as zod names them. */
export const v = {
  string: () => new StringSchema(),
  number: () => new NumberSchema(),
  boolean: () => new BooleanSchema(),
  null: () => new NullSchema(),
  unknown: () => new UnknownSchema(),
  id: () => new IdSchema(),
  enum: <const T extends string>(options: readonly T[]) => new EnumSchema<T>(options),
  array: <T>(item: Schema<T>) => new ArraySchema(item),
  union: <T extends ReadonlyArray<Schema<unknown>>>(options: T) => new UnionSchema(options as unknown as ReadonlyArray<Schema<Infer<T[number]>>>),
  object: <S extends Shape>(shape: S) => new ObjectSchema(shape),
  record: () => new RecordSchema(),
  /** `accepts` says in words what `fn` converts (for the API description), e.g. "numeric strings". */
  preprocess: <T>(fn: (value: unknown) => unknown, inner: Schema<T>, accepts?: string): Schema<T> => new Preprocessed(fn, inner, accepts),
};
