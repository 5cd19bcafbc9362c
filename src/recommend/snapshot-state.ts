/**
 * Checks on the state a model component takes back from a snapshot (Models.restore): a snapshot
 * read from disk is only trusted as far as its shape, and a wrong shape makes start-up rebuild
 * from the events instead of serving from a model that would fail later.
 */

/** A snapshot's state does not fit the component reading it. */
export class SnapshotStateError extends Error {}

export function expectMap<K, V>(value: Map<K, V>, what: string): Map<K, V> {
  if (!(value instanceof Map)) throw new SnapshotStateError(`${what}: expected a Map`);
  return value;
}

export function expectArray<T>(value: T[], what: string): T[] {
  if (!Array.isArray(value)) throw new SnapshotStateError(`${what}: expected an array`);
  return value;
}

export function expectFloats(value: Float64Array<ArrayBuffer>, what: string): Float64Array<ArrayBuffer> {
  if (!(value instanceof Float64Array)) throw new SnapshotStateError(`${what}: expected a Float64Array`);
  return value;
}

export function expectNumber(value: number, what: string): number {
  if (typeof value !== 'number' || Number.isNaN(value)) throw new SnapshotStateError(`${what}: expected a number`);
  return value;
}
