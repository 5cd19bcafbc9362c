/**
 * Random IDs for the hot path (request IDs, error IDs). Each crypto.randomBytes call is a trip
 * into the system's random source, which costs microseconds here (more under virtualisation);
 * these draw from a pool filled 4 KiB at a time, as crypto.randomUUID does. Still CSPRNG bytes.
 * Keys and secrets use crypto.randomBytes directly.
 */
import { randomFillSync } from 'node:crypto';

const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let offset = POOL_SIZE;

/** n fresh random bytes (a copy, safe to keep). */
export function pooledRandomBytes(n: number): Buffer {
  reserve(n);
  const out = Buffer.from(pool.subarray(offset, offset + n));
  offset += n;
  return out;
}

/** A random hex string of `bytes` bytes. */
export function randomHex(bytes: number): string {
  reserve(bytes);
  const text = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return text;
}

/** Makes sure the pool holds n unused bytes. */
function reserve(n: number): void {
  if (n > POOL_SIZE) throw new RangeError(`at most ${POOL_SIZE} bytes`);
  if (offset + n > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
}

/**
 * A small seeded PRNG (mulberry32) for reproducible data (demo history, benchmarks): the same
 * sequence on every machine. Not for anything secret.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
