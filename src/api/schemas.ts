/**
 * Argument schemas built from shared pieces. Query-string values arrive as strings, so number
 * and boolean pieces accept numeric/boolean strings; list pieces accept a JSON array, a
 * comma-separated string or a single value.
 */
import { invalidArgument, missingArgument, type ParsingError } from '../errors.js';
import type { Args } from './args.js';
import { Issue, v, type Infer, type ObjectSchema, type Path, type Schema, type Shape } from './validate.js';

const toNumber = (v: unknown) => (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v);
const toBool = (v: unknown) => {
  if (v === 'true' || v === '1' || v === 1) return true;
  if (v === 'false' || v === '0' || v === 0) return false;
  return v;
};
const toList = (v: unknown) => {
  if (typeof v === 'string') return v.trim() === '' ? [] : v.split(',').map((s) => s.trim());
  if (typeof v === 'number' || typeof v === 'boolean') return [v];
  return v;
};

const LIST_FORMS = 'a comma-separated string, or a single value for a one-item list';

/** A number (or numeric string). */
export const num = () => v.preprocess(toNumber, v.number(), 'a numeric string');
/** An integer (or integer string) within bounds. */
export const int = (min: number, max: number) => v.preprocess(toNumber, v.number().int().min(min).max(max), 'a numeric string');
/** A boolean (or "true"/"false"/"1"/"0"). */
export const bool = () => v.preprocess(toBool, v.boolean(), '"true", "false", "1", "0", 1 and 0');
/** A list of the given item, from an array, a comma-separated string or a single value, at most max long. */
export const list = <T>(item: Schema<T>, max = Infinity) => v.preprocess(toList, v.array(item).max(max), LIST_FORMS);

/** A product/category/page/order ID: an integer or a non-empty string, kept in the type given. */
export const id = () => v.id();
/** A list of IDs, 1..max long. */
export const ids = (max = 10000) => v.preprocess(toList, v.array(v.id()).min(1).max(max), LIST_FORMS);

export const limit = (max = 1000) => int(1, max);
export const offset = () => int(0, 1_000_000);
export const attributeName = () => v.string().regex(/^[A-Za-z0-9_]{1,100}$/, 'attribute names are letters, digits and underscores');
export const attributes = () => list(attributeName(), 1000);
export const filter = () => v.string().max(10000);
export const email = () => v.string().trim().toLowerCase().max(320).email();

/** A plain JSON object (catalog records are validated field by field by the catalog module). */
export const record = () => v.record();
export const records = (max = 100000) => v.array(v.unknown()).min(1).max(max);

/** Validates args against an endpoint's schema; a failure becomes the Clerk ParsingError naming the argument. */
export function parseArgs<S extends ObjectSchema<Shape>>(schema: S, args: Args): Infer<S> {
  try {
    return schema.parse(args) as Infer<S>;
  } catch (err) {
    if (err instanceof Issue) throw toParsingError(err, schema, args);
    throw err;
  }
}

function toParsingError(issue: Issue, schema: ObjectSchema<Shape>, args: Args): ParsingError {
  // A required argument that was not sent is named as missing, whatever else is wrong.
  const missing = schema.required.find((key) => args[key] === undefined);
  if (missing !== undefined) return missingArgument(missing);
  const name = issue.path.length > 0 ? String(issue.path[0]) : 'arguments';
  const where = issue.path.length > 1 ? `${formatPath(issue.path)}: ` : '';
  return invalidArgument(name, `${where}${issue.message}`);
}

function formatPath(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}
