/**
 * An in-memory inverted index over one kind of document (a store's products, categories or
 * pages), scored with BM25F: a term's weight in a document is the sum over fields of
 * field weight × tf / (1 − b + b × field length / average length), precomputed per posting, so a
 * query only adds idf × w(k1 + 1)/(k1 + w) per matching posting.
 *
 * Layout (why not a library: see docs/architecture.md):
 * - a **base segment** built in one pass from all documents: a sorted vocabulary with a trie for
 *   typo lookup, and postings in three flat typed arrays (slot, weight, field mask);
 * - a small mutable **delta** for documents added or changed since the base was built. A change
 *   tombstones the document's old slot and indexes it again in the delta, so the next search sees
 *   it; the owner rebuilds the base when the delta grows (SearchIndexes).
 * Slots are global: base documents take 0..n−1, delta documents n, n+1, …
 */
import { tokenize } from './analyzer.js';
import type { FieldSpec } from './fields.js';
import { StemLookup } from './stems.js';
import { editDistance, Vocabulary } from './vocabulary.js';
import type { Doc } from '../storage/ports.js';

const K1 = 1.2;
/** Position gap between two values of one field, so a phrase never spans them. */
const VALUE_GAP = 50;
/**
 * In a name, what follows "for" describes what the product fits, not what it is ("Privacy
 * filter for notebooks" is a filter): those words count this much (folded "for" in English,
 * Swedish and Norwegian, "für", "til", "voor", "pour").
 */
const AFTER_FOR_WEIGHT = 0.25;
const FOR_WORDS = new Set(['for', 'fur', 'til', 'voor', 'pour']);

/** Terms numbered as they are met (a build's working numbering, or the delta's). */
class TermTable {
  readonly ids = new Map<string, number>();
  readonly terms: string[] = [];

  idOf(term: string): number {
    let id = this.ids.get(term);
    if (id === undefined) {
      id = this.terms.length;
      this.terms.push(term);
      this.ids.set(term, id);
    }
    return id;
  }
}

/** One analysed document: its distinct terms (table ids), their tf per field and field masks; its name's terms in order. */
interface Analysed {
  ids: Int32Array;
  /** ids.length × fields: tf of term i in field f at i * fields + f. */
  tf: Float32Array;
  masks: Uint8Array;
  lengths: Float32Array;
  sequence: Int32Array;
}

/** Reused between documents, so analysing one allocates only its result. */
class Scratch {
  readonly local = new Map<number, number>();
  ids: number[] = [];
  tf = new Float64Array(1024);
  masks: number[] = [];
  sequence: number[] = [];
}

function analyse(doc: Doc, fields: FieldSpec[], sequenceField: number, table: TermTable, scratch: Scratch): Analysed {
  const F = fields.length;
  const { local, ids, masks, sequence } = scratch;
  local.clear();
  ids.length = 0;
  masks.length = 0;
  sequence.length = 0;
  const lengths = new Float32Array(F);
  for (let fi = 0; fi < F; fi++) {
    let pos = 0;
    for (const value of fields[fi].values(doc)) {
      const tokens = tokenize(value, pos);
      let share = 1;
      for (const t of tokens) {
        const id = table.idOf(t.term);
        let li = local.get(id);
        if (li === undefined) {
          li = ids.length;
          local.set(id, li);
          ids.push(id);
          masks.push(0);
          if ((li + 1) * F > scratch.tf.length) {
            const grown = new Float64Array(scratch.tf.length * 2);
            grown.set(scratch.tf);
            scratch.tf = grown;
          }
          scratch.tf.fill(0, li * F, (li + 1) * F);
        }
        masks[li] |= 1 << fi;
        scratch.tf[li * F + fi] += share;
        if (!t.joined) {
          lengths[fi]++;
          if (fi === sequenceField) sequence.push(id);
        }
        if (fi === sequenceField && FOR_WORDS.has(t.term)) share = AFTER_FOR_WEIGHT;
      }
      pos += tokens.length + VALUE_GAP;
    }
  }
  return { ids: Int32Array.from(ids), tf: Float32Array.from(scratch.tf.subarray(0, ids.length * F)), masks: Uint8Array.from(masks), lengths, sequence: Int32Array.from(sequence) };
}

/** BM25F pseudo term frequency of the i-th term of an analysed document. */
function weightOf(a: Analysed, i: number, avg: number[], fields: FieldSpec[]): number {
  const F = fields.length;
  let w = 0;
  for (let f = 0; f < F; f++) {
    const tf = a.tf[i * F + f];
    if (tf === 0) continue;
    const norm = 1 - fields[f].b + (fields[f].b * a.lengths[f]) / (avg[f] || 1);
    w += (fields[f].weight * tf) / norm;
  }
  return w;
}

/** Postings of one term across segments, visited by `forEachPosting`. */
export type PostingVisitor = (slot: number, weight: number, mask: number) => void;

interface DeltaPostings {
  slots: number[];
  weights: number[];
  masks: number[];
}

export class SearchIndex {
  readonly fields: FieldSpec[];
  /** Base segment. */
  readonly vocabulary: Vocabulary;
  private readonly postStart: Int32Array;
  private readonly postSlot: Int32Array;
  private readonly postWeight: Float32Array;
  private readonly postMask: Uint8Array;
  private readonly baseSize: number;
  private readonly avgLengths: number[];
  /** Name-field term ids of base documents, concatenated (seqStart[slot] .. seqStart[slot + 1]). */
  private readonly seqStart: Int32Array;
  private readonly seqTerms: Int32Array;
  // Global state.
  private readonly slotKey: string[] = [];
  private alive: Uint8Array;
  private readonly keySlot = new Map<string, number>();
  private liveCount = 0;
  // Delta segment.
  private readonly delta = new Map<string, DeltaPostings>();
  private readonly deltaSequences = new Map<number, string[]>();
  private deltaDocs = 0;
  private readonly deltaTerms = new TermTable();
  private readonly deltaScratch = new Scratch();
  /** Other forms of a word among this index's terms (query planning). */
  readonly stems = new StemLookup(this);

  constructor(docs: Iterable<readonly [string, Doc]>, fields: FieldSpec[], private readonly sequenceField = 0) {
    this.fields = fields;
    const table = new TermTable();
    const scratch = new Scratch();
    const analysed: Analysed[] = [];
    for (const [key, doc] of docs) {
      this.keySlot.set(key, this.slotKey.length);
      this.slotKey.push(key);
      analysed.push(analyse(doc, fields, sequenceField, table, scratch));
    }
    const n = analysed.length;
    this.baseSize = n;
    this.liveCount = n;
    this.alive = new Uint8Array(Math.max(16, n * 2)).fill(1, 0, n);
    this.avgLengths = fields.map((_, f) => analysed.reduce((s, a) => s + a.lengths[f], 0) / Math.max(1, n));
    // Sorted vocabulary; rank[working id] is the term's id in it.
    const order = table.terms.map((_, i) => i).sort((a, b) => (table.terms[a] < table.terms[b] ? -1 : 1));
    const rank = new Int32Array(order.length);
    order.forEach((working, sorted) => (rank[working] = sorted));
    this.vocabulary = new Vocabulary(order.map((i) => table.terms[i]));
    const df = new Int32Array(order.length);
    for (const a of analysed) for (const id of a.ids) df[rank[id]]++;
    const start = new Int32Array(order.length + 1);
    for (let i = 0; i < order.length; i++) start[i + 1] = start[i] + df[i];
    const total = start[order.length];
    const slots = new Int32Array(total);
    const weights = new Float32Array(total);
    const masks = new Uint8Array(total);
    const fill = start.slice(0, order.length);
    let seqTotal = 0;
    for (const a of analysed) seqTotal += a.sequence.length;
    const seqStart = new Int32Array(n + 1);
    const seqTerms = new Int32Array(seqTotal);
    for (let slot = 0; slot < n; slot++) {
      const a = analysed[slot];
      for (let i = 0; i < a.ids.length; i++) {
        const at = fill[rank[a.ids[i]]]++;
        slots[at] = slot;
        weights[at] = weightOf(a, i, this.avgLengths, fields);
        masks[at] = a.masks[i];
      }
      seqStart[slot + 1] = seqStart[slot] + a.sequence.length;
      for (let i = 0; i < a.sequence.length; i++) seqTerms[seqStart[slot] + i] = rank[a.sequence[i]];
    }
    this.postStart = start;
    this.postSlot = slots;
    this.postWeight = weights;
    this.postMask = masks;
    this.seqStart = seqStart;
    this.seqTerms = seqTerms;
  }

  /** Documents searchable now. */
  get size(): number {
    return this.liveCount;
  }

  /** Slots allocated (base + delta, dead ones included): the length of per-slot scratch arrays. */
  get slotCount(): number {
    return this.slotKey.length;
  }

  /** Documents indexed since the base was built (the owner rebuilds when this grows). */
  get deltaSize(): number {
    return this.deltaDocs;
  }

  keyOf(slot: number): string {
    return this.slotKey[slot];
  }

  isAlive(slot: number): boolean {
    return this.alive[slot] === 1;
  }

  has(key: string): boolean {
    return this.keySlot.has(key);
  }

  /** The live slot of a document, or -1. */
  slotOf(key: string): number {
    return this.keySlot.get(key) ?? -1;
  }

  /** Adds or replaces a document; visible to the next search. */
  upsert(key: string, doc: Doc): void {
    this.remove(key);
    const slot = this.slotKey.length;
    this.slotKey.push(key);
    if (slot >= this.alive.length) {
      const grown = new Uint8Array(this.alive.length * 2);
      grown.set(this.alive);
      this.alive = grown;
    }
    this.alive[slot] = 1;
    this.keySlot.set(key, slot);
    this.liveCount++;
    this.deltaDocs++;
    const a = analyse(doc, this.fields, this.sequenceField, this.deltaTerms, this.deltaScratch);
    for (let i = 0; i < a.ids.length; i++) {
      const term = this.deltaTerms.terms[a.ids[i]];
      let p = this.delta.get(term);
      if (!p) {
        this.delta.set(term, (p = { slots: [], weights: [], masks: [] }));
        if (this.vocabulary.id(term) === -1) this.stems.addTerm(term);
      }
      p.slots.push(slot);
      p.weights.push(weightOf(a, i, this.avgLengths, this.fields));
      p.masks.push(a.masks[i]);
    }
    this.deltaSequences.set(slot, Array.from(a.sequence, (id) => this.deltaTerms.terms[id]));
  }

  /** Removes a document (a tombstone until the next rebuild). */
  remove(key: string): void {
    const slot = this.keySlot.get(key);
    if (slot === undefined) return;
    this.keySlot.delete(key);
    this.alive[slot] = 0;
    this.liveCount--;
    this.deltaSequences.delete(slot);
  }

  /** Documents containing the term (dead ones included: an estimate, as BM25 needs no more). */
  df(term: string): number {
    const id = this.vocabulary.id(term);
    const base = id === -1 ? 0 : this.postStart[id + 1] - this.postStart[id];
    return base + (this.delta.get(term)?.slots.length ?? 0);
  }

  /** BM25 idf of a term. */
  idf(term: string): number {
    return this.idfOf(this.df(term));
  }

  /** BM25 idf of a document frequency. */
  idfOf(df: number): number {
    const n = Math.max(this.liveCount, df);
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  /** Visits every live posting of a term. */
  forEachPosting(term: string, visit: PostingVisitor): void {
    const id = this.vocabulary.id(term);
    if (id !== -1) {
      const alive = this.alive;
      for (let i = this.postStart[id], end = this.postStart[id + 1]; i < end; i++) {
        const slot = this.postSlot[i];
        if (alive[slot] === 1) visit(slot, this.postWeight[i], this.postMask[i]);
      }
    }
    const d = this.delta.get(term);
    if (d) for (let i = 0; i < d.slots.length; i++) if (this.alive[d.slots[i]] === 1) visit(d.slots[i], d.weights[i], d.masks[i]);
  }

  /** The BM25 saturation of a posting weight (multiplied by idf for its score). */
  static saturate(weight: number): number {
    return (weight * (K1 + 1)) / (K1 + weight);
  }

  /** True when some live document contains the term. */
  contains(term: string): boolean {
    return this.df(term) > 0;
  }

  /** Terms starting with `prefix` (base and delta), at most `limit`, most frequent first. */
  prefixTerms(prefix: string, limit: number): string[] {
    const [from, to] = this.vocabulary.prefixRange(prefix);
    const found: Array<[string, number]> = [];
    for (let id = from; id < to; id++) found.push([this.vocabulary.terms[id], this.postStart[id + 1] - this.postStart[id]]);
    for (const [term, p] of this.delta) if (term.startsWith(prefix) && this.vocabulary.id(term) === -1) found.push([term, p.slots.length]);
    found.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    return found.slice(0, limit).map(([t]) => t);
  }

  /** Terms within maxEdits typos of `word` (base and delta), nearest first. */
  fuzzyTerms(word: string, maxEdits: number, limit: number): Array<{ term: string; distance: number }> {
    // One typo anywhere; a second one only after a correct first letter (a full two-edit walk
    // of the trie costs about a millisecond on a 90,000-term vocabulary, this a tenth of it).
    const found = this.vocabulary.fuzzy(word, Math.min(1, maxEdits), limit);
    if (maxEdits >= 2) found.push(...this.vocabulary.fuzzy(word, maxEdits, limit, 1).filter((m) => m.distance === 2));
    const out = found.map((m) => ({ term: this.vocabulary.terms[m.id], distance: m.distance }));
    for (const term of this.delta.keys()) {
      if (this.vocabulary.id(term) !== -1) continue;
      const d = editDistance(word, term, maxEdits);
      if (d <= maxEdits) out.push({ term, distance: d });
    }
    return out.sort((a, b) => a.distance - b.distance).slice(0, limit);
  }

  /** Every term of the index (base and delta), for per-language stem maps. */
  *allTerms(): Iterable<string> {
    yield* this.vocabulary.terms;
    for (const term of this.delta.keys()) if (this.vocabulary.id(term) === -1) yield term;
  }

  /** The terms of a document's sequence field (its name), in order. */
  sequenceOf(slot: number): string[] {
    if (slot < this.baseSize) {
      const out: string[] = [];
      for (let i = this.seqStart[slot], end = this.seqStart[slot + 1]; i < end; i++) out.push(this.vocabulary.terms[this.seqTerms[i]]);
      return out;
    }
    return this.deltaSequences.get(slot) ?? [];
  }
}
