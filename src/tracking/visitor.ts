/**
 * Visitor IDs. A shop sends its own (`^[A-Za-z0-9]{1,32}$`), or `auto` for a cookieless ID that
 * Relevo derives from the client IP, the user agent and a per-store salt that rotates every 30
 * days (so an ID cannot be followed for longer than that), or `null` / nothing: results are
 * served and nothing is recorded for a visitor.
 */
import { createHash, createHmac } from 'node:crypto';
import { v } from '../api/validate.js';

export const VISITOR_PATTERN = /^[A-Za-z0-9]{1,32}$/;
export const SALT_PERIOD_SECONDS = 30 * 24 * 3600;

/** The visitor argument: a valid ID, `auto`, or `null` (as the string Clerk.js sends, or JSON null). */
export const visitorArg = () =>
  v.union([v.string().regex(VISITOR_PATTERN, 'must match ^[A-Za-z0-9]{1,32}$, "auto" or "null"'), v.null()]);

/** What a visitor argument asks for. */
export type VisitorSpec = { kind: 'id'; id: string } | { kind: 'auto' } | { kind: 'none' };

/** Reads a validated visitor argument. */
export function visitorSpec(value: string | null | undefined): VisitorSpec {
  if (value === undefined || value === null || value === 'null') return { kind: 'none' };
  if (value === 'auto') return { kind: 'auto' };
  return { kind: 'id', id: value };
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The salt of the 30-day period containing `nowSeconds`, derived from the store's secret. */
export function periodSalt(storeSecret: string, nowSeconds: number): string {
  return createHmac('sha256', storeSecret).update(`visitor-salt:${Math.floor(nowSeconds / SALT_PERIOD_SECONDS)}`).digest('hex');
}

/** The cookieless 8-character visitor ID of a client in the current salt period. */
export function autoVisitorId(storeSecret: string, ip: string, userAgent: string, nowSeconds: number): string {
  const digest = createHash('sha256').update(periodSalt(storeSecret, nowSeconds)).update('\0').update(ip).update('\0').update(userAgent).digest();
  let id = '';
  for (let i = 0; i < 8; i++) id += BASE62[digest[i] % 62];
  return id;
}
