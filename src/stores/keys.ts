/**
 * Keys and stores: keys come from a CSPRNG, private keys are stored as SHA-256 hashes (they are
 * 32+ random alphanumerics, so a fast hash is enough; nothing to stretch), and a small cache
 * answers the per-request key lookups without a database round trip.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AuthenticationError, LogicalError } from '../errors.js';
import type { Storage, StoreRecord } from '../storage/ports.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const PUBLIC_KEY_PATTERN = /^[A-Za-z0-9_-]{3,64}$/;
export const PRIVATE_KEY_PATTERN = /^[A-Za-z0-9]{32,128}$/;

/** A random alphanumeric key of the given length (rejection sampling: no modulo bias). */
export function generateKey(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

/** Hex SHA-256 of a private key, as stored. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export interface CreatedStore {
  store: StoreRecord;
  publicKey: string;
  privateKey: string;
}

/** Creates a store with a public key and a first private key ("default"), generating what is not given. */
export async function createStore(
  storage: Storage,
  input: { name: string; publicKey?: string; privateKey?: string },
): Promise<CreatedStore> {
  const name = input.name.trim();
  if (name.length < 1 || name.length > 100) throw new LogicalError('store name must be 1..100 characters');
  const publicKey = input.publicKey ?? generateKey(32);
  if (!PUBLIC_KEY_PATTERN.test(publicKey)) throw new LogicalError('public key must be 3..64 letters, digits, "_" or "-"');
  const privateKey = input.privateKey ?? generateKey(40);
  if (!PRIVATE_KEY_PATTERN.test(privateKey)) throw new LogicalError('private key must be 32..128 letters or digits');
  const store = await storage.stores.createStore({ name, publicKey, privateKey: { name: 'default', hash: hashKey(privateKey) } });
  return { store, publicKey, privateKey };
}

/** Adds another named private key to a store and returns it (shown once). */
export async function addPrivateKey(storage: Storage, storeId: number, name: string, key?: string): Promise<string> {
  const privateKey = key ?? generateKey(40);
  if (!PRIVATE_KEY_PATTERN.test(privateKey)) throw new LogicalError('private key must be 32..128 letters or digits');
  await storage.stores.addPrivateKey(storeId, { name, hash: hashKey(privateKey) });
  return privateKey;
}

interface CachedStore {
  store: StoreRecord;
  hashes: Buffer[];
  /** Date.now() of the read from storage. */
  loadedAt: number;
}

/** A wrong private key rereads the store's keys at most this often (ms): a flood of wrong keys costs no query each. */
const RELOAD_MS = 1000;

/**
 * Resolves keys to stores for every request. Hits are served from memory; a miss (a store or key
 * created by another process) goes to storage, at most once per key per second for unknown keys.
 */
export class KeyDirectory {
  private readonly byPublicKey = new Map<string, CachedStore>();
  private readonly unknownUntil = new Map<string, number>();

  constructor(private readonly storage: Storage) {}

  /** The store of a public key, or AuthenticationError. */
  async resolve(publicKey: unknown): Promise<StoreRecord> {
    return (await this.lookup(publicKey)).store;
  }

  /**
   * The store of a public key already in memory, or undefined (then call resolve()). Every call
   * resolves its key: a hit answered without a promise saves the call two awaits.
   */
  cached(publicKey: unknown): StoreRecord | undefined {
    return typeof publicKey === 'string' ? this.byPublicKey.get(publicKey)?.store : undefined;
  }

  /** Checks a private key against the store's keys; throws AuthenticationError when absent or wrong. */
  async verifyPrivate(store: StoreRecord, privateKey: unknown): Promise<void> {
    if (privateKey === undefined || privateKey === '') throw new AuthenticationError('Missing Argument private_key');
    if (typeof privateKey !== 'string') throw new AuthenticationError('Invalid private_key');
    const hash = Buffer.from(hashKey(privateKey), 'hex');
    const cached = await this.lookup(store.publicKey);
    if (cached.hashes.some((h) => timingSafeEqual(h, hash))) return;
    // Perhaps a key added by another process since we cached: read once more (not more than once a second).
    const fresh = Date.now() - cached.loadedAt >= RELOAD_MS ? await this.load(store.publicKey) : null;
    if (fresh && fresh.hashes.some((h) => timingSafeEqual(h, hash))) return;
    throw new AuthenticationError('Invalid private_key');
  }

  /** Forgets cached entries (after a key change in this process). */
  invalidate(): void {
    this.byPublicKey.clear();
    this.unknownUntil.clear();
  }

  private async lookup(publicKey: unknown): Promise<CachedStore> {
    if (publicKey === undefined || publicKey === '') throw new AuthenticationError('Missing Argument key');
    if (typeof publicKey !== 'string' || !PUBLIC_KEY_PATTERN.test(publicKey)) throw new AuthenticationError('Invalid API key');
    const hit = this.byPublicKey.get(publicKey);
    if (hit) return hit;
    const until = this.unknownUntil.get(publicKey);
    if (until !== undefined && until > Date.now()) throw new AuthenticationError('Invalid API key');
    const loaded = await this.load(publicKey);
    if (!loaded) {
      if (this.unknownUntil.size > 10000) this.unknownUntil.clear();
      this.unknownUntil.set(publicKey, Date.now() + 1000);
      throw new AuthenticationError('Invalid API key');
    }
    return loaded;
  }

  private async load(publicKey: string): Promise<CachedStore | null> {
    const store = await this.storage.stores.findStoreByPublicKey(publicKey);
    if (!store) return null;
    const keys = await this.storage.stores.listPrivateKeys(store.id);
    const entry = { store, hashes: keys.map((k) => Buffer.from(k.hash, 'hex')), loadedAt: Date.now() };
    this.byPublicKey.set(publicKey, entry);
    return entry;
  }
}
