/** Parsing analytics arguments (from, to, labels, api, granularity) into a query. */
import { v } from '../api/validate.js';
import { invalidArgument } from '../errors.js';
import { labelsArg } from '../tracking/labels.js';
import type { AnalyticsQuery } from './types.js';

const DAY = 86400;
/** 3000-01-01T00:00:00Z: later times are refused (beyond it dates overflow the planner's day and hour edges). */
export const MAX_TIME = 32503680000;

/** The analytics arguments (shared by the API and the dashboard). */
export const analyticsArgs = {
  from: v.union([v.string(), v.number()]).optional(),
  to: v.union([v.string(), v.number()]).optional(),
  labels: labelsArg().optional(),
  api: v.string().min(1).max(200).optional(),
  granularity: v.enum(['hour', 'day']).optional(),
};

/**
 * A date argument: unix seconds (number or numeric string) or an ISO date/time, from 1970 to the
 * year 3000.
 */
export function parseTime(name: string, value: string | number): number {
  let t: number;
  if (typeof value === 'number' || /^\d+(\.\d+)?$/.test(value)) {
    t = Number(value);
    if (!Number.isFinite(t) || t < 0) throw invalidArgument(name, 'not a time');
  } else {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) throw invalidArgument(name, 'expected unix seconds or an ISO date such as 2026-11-01');
    t = ms / 1000;
  }
  if (t < 0 || t > MAX_TIME) throw invalidArgument(name, 'must be between 1970 and the year 3000');
  return t;
}

/**
 * The query of validated arguments. `to` defaults to now, `from` to 30 days before `to`; a date
 * without a time as `to` includes that whole day. Ranges longer than 400 days are refused.
 */
export function parseQuery(a: { from?: string | number; to?: string | number; labels?: string[]; api?: string; granularity?: 'hour' | 'day' }, now: number): AnalyticsQuery {
  // Whole seconds, `from` rounded down and `to` up (so a fraction loses nothing): the rollups
  // are hourly, and PostgreSQL's bigint parameters refuse a fraction.
  let to = Math.ceil(a.to === undefined ? now : parseTime('to', a.to));
  if (typeof a.to === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(a.to)) to += DAY;
  const from = a.from === undefined ? to - 30 * DAY : Math.floor(parseTime('from', a.from));
  if (from >= to) throw invalidArgument('from', 'must be before to');
  if (to - from > 400 * DAY) throw invalidArgument('from', 'ranges are at most 400 days');
  const granularity = a.granularity ?? (to - from <= 2 * DAY ? 'hour' : 'day');
  if (granularity === 'hour' && to - from > 31 * DAY) throw invalidArgument('granularity', 'hourly series cover at most 31 days');
  return { from, to, labels: a.labels, api: a.api, granularity };
}
