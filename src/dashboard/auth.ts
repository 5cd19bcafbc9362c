/**
 * Dashboard sessions. The cookie holds `storeId.expiry.hmac`, never a key: the HMAC is keyed by a
 * per-store secret kept in the store setting `dashboard_secret`, so a session made by one
 * instance is valid on every instance sharing the database and survives restarts. Replacing the
 * setting (and restarting) invalidates every session of that store.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Storage } from '../storage/ports.js';

export const COOKIE_NAME = 'relevo_dash';
export const SESSION_SECONDS = 12 * 3600;
const SECRET_SETTING = 'dashboard_secret';
const SECRET_PATTERN = /^[0-9a-f]{64}$/;
const COOKIE_PATTERN = /^(\d{1,12})\.(\d{1,12})\.([0-9a-f]{64})$/;

/** Cookie header → name/value map (first occurrence wins; values are not URL-decoded: ours never need it). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 1) continue;
    const name = part.slice(0, eq).trim();
    if (!out.has(name)) out.set(name, part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1'));
  }
  return out;
}

/** The Set-Cookie value for a session (or, with value '' and maxAge 0, its removal). */
export function sessionCookie(value: string, maxAge: number, secure: boolean): string {
  return `${COOKIE_NAME}=${value}; Path=/dashboard; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** Signs sessions with per-store secrets, cached in memory after the first read. */
export class SessionSigner {
  private readonly secrets = new Map<number, Buffer>();

  constructor(
    private readonly storage: Storage,
    private readonly now: () => number = () => Date.now() / 1000,
  ) {}

  /** A fresh cookie value for the store, valid for SESSION_SECONDS; creates the store's secret on first use. */
  async issue(storeId: number): Promise<string> {
    const expiry = Math.floor(this.now()) + SESSION_SECONDS;
    const secret = await this.secret(storeId, true);
    return `${storeId}.${expiry}.${mac(secret!, storeId, expiry)}`;
  }

  /** The store ID of a valid, unexpired cookie value, else null. */
  async verify(value: string | undefined): Promise<number | null> {
    const m = value ? COOKIE_PATTERN.exec(value) : null;
    if (!m) return null;
    const storeId = Number(m[1]);
    const expiry = Number(m[2]);
    if (expiry <= this.now()) return null;
    const secret = await this.secret(storeId, false);
    if (!secret) return null;
    const want = Buffer.from(mac(secret, storeId, expiry), 'hex');
    return timingSafeEqual(want, Buffer.from(m[3], 'hex')) ? storeId : null;
  }

  private async secret(storeId: number, create: boolean): Promise<Buffer | null> {
    const cached = this.secrets.get(storeId);
    if (cached) return cached;
    let stored = await this.storage.stores.getSetting(storeId, SECRET_SETTING);
    if (typeof stored !== 'string' || !SECRET_PATTERN.test(stored)) {
      if (!create) return null;
      await this.storage.stores.setSetting(storeId, SECRET_SETTING, randomBytes(32).toString('hex'));
      // Read back: when two instances race on the first login, both then sign with the winner's secret.
      stored = await this.storage.stores.getSetting(storeId, SECRET_SETTING);
      if (typeof stored !== 'string' || !SECRET_PATTERN.test(stored)) throw new Error('dashboard secret was not stored');
    }
    const secret = Buffer.from(stored, 'hex');
    this.secrets.set(storeId, secret);
    return secret;
  }
}

function mac(secret: Buffer, storeId: number, expiry: number): string {
  return createHmac('sha256', secret).update(`dashboard:${storeId}.${expiry}`).digest('hex');
}

/** The login form's fields from a form-encoded or JSON body (the app hands every body over as text). */
export function parseLoginBody(body: unknown, contentType: string | undefined): { publicKey: string; privateKey: string } {
  const text = typeof body === 'string' ? body : '';
  let fields: Record<string, unknown> = {};
  if (/json/i.test(contentType ?? '') || text.trimStart().startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object') fields = parsed as Record<string, unknown>;
    } catch {
      fields = {};
    }
  } else {
    fields = Object.fromEntries(new URLSearchParams(text));
  }
  const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
  return { publicKey: str(fields.public_key ?? fields.key), privateKey: str(fields.private_key) };
}
