/**
 * Argument schemas built from shared pieces. Query-string values arrive as strings, so number
 * and boolean pieces accept numeric/boolean strings; list pieces accept a JSON array, a
 * comma-separated string or a single value.
 */
import { z } from 'zod';
import { invalidArgument, missingArgument, type ParsingError } from '../errors.js';
import type { Args } from './args.js';

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

/** A number (or numeric string). */
export const num = () => z.preprocess(toNumber, z.number());
/** An integer (or integer string) within bounds. */
export const int = (min: number, max: number) => z.preprocess(toNumber, z.number().int().min(min).max(max));
/** A boolean (or "true"/"false"/"1"/"0"). */
export const bool = () => z.preprocess(toBool, z.boolean());
/** A list of the given item, from an array, a comma-separated string or a single value. */
export const list = <T extends z.ZodType>(item: T) => z.preprocess(toList, z.array(item));

/** A product/category/page/order ID: an integer or a non-empty string, kept in the type given. */
export const id = () => z.union([z.number().int(), z.string().trim().min(1).max(200)]);
/** A list of IDs, 1..max long. */
export const ids = (max = 10000) => list(id()).pipe(z.array(z.union([z.number(), z.string()])).min(1).max(max));

export const limit = (max = 1000) => int(1, max);
export const offset = () => int(0, 1_000_000);
export const attributeName = () => z.string().regex(/^[A-Za-z0-9_]{1,100}$/, 'attribute names are letters, digits and underscores');
export const attributes = () => list(attributeName()).pipe(z.array(z.string()).max(1000));
export const filter = () => z.string().max(10000);
export const email = () => z.string().trim().toLowerCase().pipe(z.email().max(320));

/** A plain JSON object (catalog records are validated field by field by the catalog module). */
export const record = () => z.record(z.string(), z.unknown());
export const records = (max = 100000) => z.array(z.unknown()).min(1).max(max);

/** Validates args against a schema; a failure becomes the Clerk ParsingError naming the argument. */
export function parseArgs<S extends z.ZodType>(schema: S, args: Args): z.infer<S> {
  const result = schema.safeParse(args);
  if (result.success) return result.data;
  throw toParsingError(result.error, args);
}

function toParsingError(error: z.ZodError, args: Args): ParsingError {
  const issues = error.issues;
  const missing = issues.find((i) => i.path.length > 0 && args[String(i.path[0])] === undefined);
  if (missing) return missingArgument(String(missing.path[0]));
  const issue = issues[0];
  const name = issue.path.length > 0 ? String(issue.path[0]) : 'arguments';
  const where = issue.path.length > 1 ? `${formatPath(issue.path)}: ` : '';
  return invalidArgument(name, `${where}${issue.message}`);
}

function formatPath(path: PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}
