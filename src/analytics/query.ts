/** Parsing analytics arguments (from, to, labels, api, granularity) into a query. */
import { v } from '../api/validate.js';
import { invalidArgument } from '../errors.js';
import { labelsArg } from '../tracking/labels.js';
import type { AnalyticsQuery } from './types.js';

const DAY = 86400;

/** The analytics arguments (shared by the API and the dashboard). */
export const analyticsArgs = {
  from: v.union([v.string(), v.number()]).optional(),
  to: v.union([v.string(), v.number()]).optional(),
  labels: labelsArg().optional(),
  api: v.string().min(1).max(200).optional(),
  granularity: v.enum(['hour', 'day']).optional(),
};

/** A date argument: unix seconds (number or numeric string) or an ISO date/time. */
export function parseTime(name: string, value: string | number): number {
  if (typeof value === 'number' || /^\d+(\.\d+)?$/.test(value)) {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) throw invalidArgument(name, 'not a time');
    return n;
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw invalidArgument(name, 'expected unix seconds or an ISO date such as 2026-11-01');
  return ms / 1000;
}

/**
 * The query of validated arguments. `to` defaults to now, `from` to 30 days before `to`; a date
 * without a time as `to` includes that whole day. Ranges longer than 400 days are refused.
 */
export function parseQuery(a: { from?: string | number; to?: string | number; labels?: string[]; api?: string; granularity?: 'hour' | 'day' }, now: number): AnalyticsQuery {
  let to = a.to === undefined ? now : parseTime('to', a.to);
  if (typeof a.to === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(a.to)) to += DAY;
  const from = a.from === undefined ? to - 30 * DAY : parseTime('from', a.from);
  if (from >= to) throw invalidArgument('from', 'must be before to');
  if (to - from > 400 * DAY) throw invalidArgument('from', 'ranges are at most 400 days');
  const granularity = a.granularity ?? (to - from <= 2 * DAY ? 'hour' : 'day');
  if (granularity === 'hour' && to - from > 31 * DAY) throw invalidArgument('granularity', 'hourly series cover at most 31 days');
  return { from, to, labels: a.labels, api: a.api, granularity };
}
