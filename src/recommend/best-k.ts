/**
 * The best k (item, score) pairs of a stream: higher score first, ties by lower item. A heap
 * with the worst kept pair at its root, so n offers cost O(n log k) plain comparisons. Ranking
 * paths use it instead of Array.prototype.sort, whose comparator callbacks cost ~30 ns each:
 * sorting a few hundred mostly-tied scores took longer than computing them.
 */
export class BestK {
  private readonly items: number[] = [];
  private readonly scores: number[] = [];

  constructor(private k: number) {}

  /** Empties the heap and sets a new k (a reused instance allocates nothing once grown). */
  reset(k: number): void {
    this.k = k;
    this.items.length = 0;
    this.scores.length = 0;
  }

  offer(item: number, score: number): void {
    const n = this.items.length;
    if (n < this.k) {
      this.items.push(item);
      this.scores.push(score);
      this.siftUp(n);
    } else if (n > 0 && ranksBefore(item, score, this.items[0], this.scores[0])) {
      this.items[0] = item;
      this.scores[0] = score;
      this.siftDown(0, n);
    }
  }

  /** The kept pairs, best first. Empties the heap. */
  drain(): Array<[number, number]> {
    const items: number[] = [];
    const scores: number[] = [];
    this.drainInto(items, scores);
    return items.map((item, i) => [item, scores[i]]);
  }

  /** The kept items and their scores, best first, into caller-owned arrays. Empties the heap. */
  drainInto(items: number[], scores: number[]): void {
    const n = this.items.length;
    items.length = n;
    scores.length = n;
    for (let m = n; m > 0; m--) {
      items[m - 1] = this.items[0];
      scores[m - 1] = this.scores[0];
      this.move(m - 1, 0);
      this.siftDown(0, m - 1);
    }
    this.items.length = 0;
    this.scores.length = 0;
  }

  /** Moves a worse pair up towards the root. */
  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(parent, i)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** Moves a better pair down, within the first n slots. */
  private siftDown(i: number, n: number): void {
    for (;;) {
      let worst = i;
      const left = 2 * i + 1;
      if (left < n && this.before(worst, left)) worst = left;
      if (left + 1 < n && this.before(worst, left + 1)) worst = left + 1;
      if (worst === i) return;
      this.swap(i, worst);
      i = worst;
    }
  }

  private before(a: number, b: number): boolean {
    return ranksBefore(this.items[a], this.scores[a], this.items[b], this.scores[b]);
  }

  private swap(a: number, b: number): void {
    const item = this.items[a];
    const score = this.scores[a];
    this.move(b, a);
    this.items[b] = item;
    this.scores[b] = score;
  }

  private move(from: number, to: number): void {
    this.items[to] = this.items[from];
    this.scores[to] = this.scores[from];
  }
}

/** Whether (item a, score a) ranks before (item b, score b). */
function ranksBefore(itemA: number, scoreA: number, itemB: number, scoreB: number): boolean {
  return scoreA > scoreB || (scoreA === scoreB && itemA < itemB);
}
