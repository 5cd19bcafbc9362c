/**
 * The term dictionary of an index segment: exact lookup, prefix ranges and bounded-edit-distance
 * (typo) lookup. Terms are kept sorted, so the terms sharing a prefix are one contiguous range,
 * and a trie over them (parallel typed arrays, built once) lets a typo search walk the shared
 * prefixes once, carrying one Damerau-Levenshtein row per trie depth and pruning every branch
 * whose row minimum already exceeds the allowed edits.
 */

/** A term within `distance` edits of the query word. */
export interface FuzzyMatch {
  id: number;
  distance: number;
}

export class Vocabulary {
  /** Sorted terms; a term's id is its index. */
  readonly terms: string[];
  private readonly ids: Map<string, number>;
  // Trie: node 0 is the root. Children of a node are a linked list (firstChild → nextSibling).
  private readonly nodeChar: Uint16Array;
  private readonly firstChild: Int32Array;
  private readonly nextSibling: Int32Array;
  private readonly nodeTerm: Int32Array;
  private readonly nodeDepth: Uint8Array;

  constructor(sortedTerms: string[]) {
    this.terms = sortedTerms;
    this.ids = new Map(sortedTerms.map((t, i) => [t, i]));
    let capacity = 1;
    for (const t of sortedTerms) capacity += t.length;
    const nodeChar = new Uint16Array(capacity);
    const firstChild = new Int32Array(capacity).fill(-1);
    const nextSibling = new Int32Array(capacity).fill(-1);
    const nodeTerm = new Int32Array(capacity).fill(-1);
    const nodeDepth = new Uint8Array(capacity);
    // Sorted input: each term shares a prefix with the previous one; the path below that prefix
    // is new, appended as the last child at each level (siblings stay in sorted order).
    const path: number[] = [0];
    const lastChild = new Int32Array(capacity).fill(-1);
    let nodes = 1;
    let prev = '';
    for (let id = 0; id < sortedTerms.length; id++) {
      const t = sortedTerms[id];
      let common = 0;
      while (common < t.length && common < prev.length && t.charCodeAt(common) === prev.charCodeAt(common)) common++;
      path.length = common + 1;
      for (let d = common; d < t.length; d++) {
        const parent = path[d];
        const node = nodes++;
        nodeChar[node] = t.charCodeAt(d);
        nodeDepth[node] = Math.min(255, d + 1);
        if (lastChild[parent] === -1) firstChild[parent] = node;
        else nextSibling[lastChild[parent]] = node;
        lastChild[parent] = node;
        path.push(node);
      }
      nodeTerm[path[t.length]] = id;
      prev = t;
    }
    this.nodeChar = nodeChar.slice(0, nodes);
    this.firstChild = firstChild.slice(0, nodes);
    this.nextSibling = nextSibling.slice(0, nodes);
    this.nodeTerm = nodeTerm.slice(0, nodes);
    this.nodeDepth = nodeDepth.slice(0, nodes);
  }

  get size(): number {
    return this.terms.length;
  }

  /** The id of a term, or -1. */
  id(term: string): number {
    return this.ids.get(term) ?? -1;
  }

  /** [from, to) ids of the terms starting with `prefix` (the term itself included). */
  prefixRange(prefix: string): [number, number] {
    const from = lowerBound(this.terms, prefix);
    // Every term with the prefix sorts before prefix + U+FFFF.
    const to = lowerBound(this.terms, `${prefix}\uffff`, from);
    return [from, to];
  }

  /**
   * Terms within `maxEdits` Damerau-Levenshtein edits (insert, delete, substitute, swap two
   * neighbours) of `word`, at most `limit` of them, nearest first; the first `fixedPrefix`
   * letters must match exactly (it bounds the walk: a second typo in the first letter is rare).
   */
  fuzzy(word: string, maxEdits: number, limit = 64, fixedPrefix = 0): FuzzyMatch[] {
    const m = word.length;
    if (maxEdits <= 0 || m === 0 || m > 60 || fixedPrefix >= m) return [];
    const width = m + 1;
    const maxDepth = m + maxEdits;
    // rows[d] is the DP row of the trie prefix of length d.
    const rows = new Uint8Array((maxDepth + 2) * width);
    for (let j = 0; j <= m; j++) rows[j] = j;
    const chars = new Uint16Array(maxDepth + 2);
    const out: FuzzyMatch[] = [];
    const stack: number[] = [];
    // The first `fixedPrefix` letters must match as they are: walk them, filling their rows.
    let start = 0;
    for (let d = 1; d <= fixedPrefix; d++) {
      let c = this.firstChild[start];
      while (c !== -1 && this.nodeChar[c] !== word.charCodeAt(d - 1)) c = this.nextSibling[c];
      if (c === -1) return [];
      start = c;
      chars[d] = word.charCodeAt(d - 1);
      rows[d * width] = d;
      for (let j = 1; j <= m; j++) {
        const cost = word.charCodeAt(j - 1) === chars[d] ? 0 : 1;
        rows[d * width + j] = Math.min(rows[(d - 1) * width + j] + 1, rows[d * width + j - 1] + 1, rows[(d - 1) * width + j - 1] + cost);
      }
      if (this.nodeTerm[c] !== -1 && rows[d * width + m] <= maxEdits) out.push({ id: this.nodeTerm[c], distance: rows[d * width + m] });
    }
    for (let c = this.firstChild[start]; c !== -1; c = this.nextSibling[c]) stack.push(c);
    while (stack.length > 0) {
      const node = stack.pop()!;
      const d = this.nodeDepth[node];
      if (d > maxDepth) continue;
      const ch = this.nodeChar[node];
      chars[d] = ch;
      const row = d * width;
      const up = row - width;
      rows[row] = d;
      let best = d;
      for (let j = 1; j <= m; j++) {
        const cost = word.charCodeAt(j - 1) === ch ? 0 : 1;
        let v = Math.min(rows[up + j] + 1, rows[row + j - 1] + 1, rows[up + j - 1] + cost);
        if (d > 1 && j > 1 && ch === word.charCodeAt(j - 2) && chars[d - 1] === word.charCodeAt(j - 1)) {
          v = Math.min(v, rows[up - width + j - 2] + 1);
        }
        rows[row + j] = v;
        if (v < best) best = v;
      }
      if (best > maxEdits) continue;
      const term = this.nodeTerm[node];
      if (term !== -1 && rows[row + m] <= maxEdits) out.push({ id: term, distance: rows[row + m] });
      for (let c = this.firstChild[node]; c !== -1; c = this.nextSibling[c]) stack.push(c);
    }
    out.sort((a, b) => a.distance - b.distance || a.id - b.id);
    return out.length > limit ? out.slice(0, limit) : out;
  }
}

/** First index in sorted `a` (from `lo`) whose value is >= x. */
function lowerBound(a: string[], x: string, lo = 0): number {
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Damerau-Levenshtein distance of two short words, or maxEdits + 1 once it is exceeded. */
export function editDistance(a: string, b: string, maxEdits: number): number {
  if (Math.abs(a.length - b.length) > maxEdits) return maxEdits + 1;
  const m = b.length;
  let prev2 = new Array<number>(m + 1).fill(0);
  let prev = Array.from({ length: m + 1 }, (_, j) => j);
  let cur = new Array<number>(m + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let best = i;
    for (let j = 1; j <= m; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a.charCodeAt(i - 1) === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === b.charCodeAt(j - 1)) v = Math.min(v, prev2[j - 2] + 1);
      cur[j] = v;
      if (v < best) best = v;
    }
    if (best > maxEdits) return maxEdits + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[m];
}
