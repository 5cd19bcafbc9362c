/**
 * The dashboard's defences around its sessions: a cross-site request check on every write, a
 * throttle on failed logins per client IP, and whether the request came over HTTPS (for the
 * cookie's Secure flag). Forwarded headers count only from trusted proxies (RELEVO_TRUSTED_PROXIES).
 */
import type { FastifyRequest } from 'fastify';
import { requestInfo } from '../api/http.js';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The first value of a (possibly repeated, comma-joined) header. */
function firstValue(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return s?.split(',')[0].trim() || undefined;
}

/** Whether the immediate peer is a trusted proxy, whose X-Forwarded-* headers are believed. */
function fromTrustedProxy(req: FastifyRequest, trusted: ReadonlySet<string>): boolean {
  return trusted.has(req.raw.socket.remoteAddress ?? '');
}

/** True when the request reached us over HTTPS: a TLS socket, or a trusted proxy's X-Forwarded-Proto. */
export function isHttps(req: FastifyRequest, trusted: ReadonlySet<string>): boolean {
  if ((req.raw.socket as { encrypted?: boolean }).encrypted) return true;
  return fromTrustedProxy(req, trusted) && firstValue(req.headers['x-forwarded-proto'])?.toLowerCase() === 'https';
}

/**
 * Whether a write may go ahead: not a write, or sent by our own pages. Browsers say so with
 * Sec-Fetch-Site (same-origin; none = typed by the user); older ones with an Origin whose host is
 * ours. `Origin: null` (sent by some browsers for same-origin requests under some referrer
 * policies) passes only together with Sec-Fetch-Site: same-origin, which the first test took.
 * A request with neither header comes from no browser (curl, a script) and cannot be forged by
 * a third-party page.
 */
export function sameOriginWrite(req: FastifyRequest, trusted: ReadonlySet<string>): boolean {
  if (!WRITES.has(req.method)) return true;
  const site = firstValue(req.headers['sec-fetch-site'])?.toLowerCase();
  if (site === 'same-origin' || site === 'none') return true;
  const origin = firstValue(req.headers.origin);
  if (site !== undefined) return false; // cross-site or same-site (a sibling subdomain)
  if (origin === undefined) return true;
  if (origin === 'null') return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  const proxied = fromTrustedProxy(req, trusted);
  const host = (proxied ? firstValue(req.headers['x-forwarded-host']) : undefined) ?? req.headers.host;
  if (!host || url.host.toLowerCase() !== host.toLowerCase()) return false;
  const proto = proxied ? firstValue(req.headers['x-forwarded-proto']) : (req.raw.socket as { encrypted?: boolean }).encrypted ? 'https' : undefined;
  return proto === undefined || url.protocol === `${proto.toLowerCase()}:`;
}

/** The client's IP as the /v2/ transport sees it (X-Forwarded-For only from trusted proxies). */
export function clientIpOf(req: FastifyRequest, trusted: ReadonlySet<string>): string {
  return requestInfo(req.raw, 'POST', trusted).ip;
}

/**
 * Failed logins per client IP in fixed windows: after `limit` failures within `windowSeconds`,
 * further attempts from that IP are refused until the window ends (even with the right keys, so
 * guessing cannot be interleaved with a known login). Memory is bounded: expired entries are
 * dropped when the map grows.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, { count: number; until: number }>();

  constructor(
    readonly limit: number,
    readonly windowSeconds: number,
    private readonly now: () => number,
  ) {}

  /** Seconds until this IP may try again (0: it may now). */
  wait(ip: string): number {
    const entry = this.failures.get(ip);
    if (!entry) return 0;
    const left = entry.until - this.now();
    if (left <= 0) {
      this.failures.delete(ip);
      return 0;
    }
    return entry.count >= this.limit ? Math.max(1, Math.ceil(left)) : 0;
  }

  /** Counts a failed login of this IP. */
  fail(ip: string): void {
    const now = this.now();
    const entry = this.failures.get(ip);
    if (entry && entry.until > now) entry.count++;
    else this.failures.set(ip, { count: 1, until: now + this.windowSeconds });
    if (this.failures.size > 10_000) for (const [k, e] of this.failures) if (e.until <= now) this.failures.delete(k);
  }
}
