/**
 * Sets and score vectors over dense item indexes, reusable across requests. A ranking touches a
 * few thousand of a catalog's items; Maps cost a hash lookup per touch and garbage per request.
 * These keep dense typed arrays sized to the catalog instead, and membership is an epoch stamp,
 * so clear() is O(1) and a reused instance allocates nothing once grown.
 */

/** Stamps are Int32: past this, clear() resets them all (never in practice, but stays correct). */
const MAX_EPOCH = 0x7fffffff;

/** A copy of `a` with room for index `i` (capacity doubles, so growth is amortised). */
function grown<A extends Int32Array | Float64Array>(a: A, i: number, make: (length: number) => A): A {
  let length = Math.max(a.length, 16);
  while (length <= i) length *= 2;
  const b = make(length);
  b.set(a);
  return b;
}

/** A set of item indexes. */
export class ItemSet {
  private stamps = new Int32Array(16);
  private epoch = 1;

  clear(): void {
    if (this.epoch === MAX_EPOCH) {
      this.stamps.fill(0);
      this.epoch = 0;
    }
    this.epoch++;
  }

  has(item: number): boolean {
    return item < this.stamps.length && this.stamps[item] === this.epoch;
  }

  /** Adds `item`; true if it was not in the set yet (one call both tests and marks). */
  add(item: number): boolean {
    if (item >= this.stamps.length) this.stamps = grown(this.stamps, item, (n) => new Int32Array(n));
    if (this.stamps[item] === this.epoch) return false;
    this.stamps[item] = this.epoch;
    return true;
  }
}

/**
 * Item → score, iterated in first-insertion order like a Map. Accumulation matches
 * `map.set(i, (map.get(i) ?? 0) + s)` operation for operation, so sums are bit-identical.
 */
export class ItemScores {
  private readonly members = new ItemSet();
  private values = new Float64Array(16);
  /** Member items in insertion order; the first `count` entries are valid. */
  private order = new Int32Array(16);
  private count = 0;

  get size(): number {
    return this.count;
  }

  clear(): void {
    this.members.clear();
    this.count = 0;
  }

  has(item: number): boolean {
    return this.members.has(item);
  }

  /** The item's score; 0 when it has none. */
  get(item: number): number {
    return this.members.has(item) ? this.values[item] : 0;
  }

  /** Adds `score` to the item's score (a new item starts at 0). */
  add(item: number, score: number): void {
    if (this.members.add(item)) this.insert(item);
    this.values[item] += score;
  }

  set(item: number, score: number): void {
    if (this.members.add(item)) this.insert(item);
    this.values[item] = score;
  }

  /** Calls fn for each member in insertion order (same shape as Map.forEach). */
  forEach(fn: (score: number, item: number) => void): void {
    for (let i = 0; i < this.count; i++) fn(this.values[this.order[i]], this.order[i]);
  }

  *entries(): IterableIterator<[number, number]> {
    for (let i = 0; i < this.count; i++) yield [this.order[i], this.values[this.order[i]]];
  }

  [Symbol.iterator](): IterableIterator<[number, number]> {
    return this.entries();
  }

  private insert(item: number): void {
    if (item >= this.values.length) this.values = grown(this.values, item, (n) => new Float64Array(n));
    if (this.count === this.order.length) this.order = grown(this.order, this.count, (n) => new Int32Array(n));
    this.values[item] = 0;
    this.order[this.count++] = item;
  }
}
