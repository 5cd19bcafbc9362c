/**
 * Runs a query plan over an index: which documents satisfy which clauses, with what text score.
 * Pure and synchronous; per-slot scratch arrays are kept per index and stamped with an epoch,
 * so nothing is cleared or allocated per query but the list of touched slots.
 */
import type { Clause, Group } from './query-plan.js';
import { SearchIndex } from './search-index.js';

/** A document that satisfied at least one clause. */
export interface Match {
  slot: number;
  /** Text score: the sum over clauses of the best alternative's score. */
  score: number;
  /** Required clauses satisfied. */
  matched: number;
  /** Required clauses satisfied through exact variants only (no prefix, no typo). */
  exact: number;
  /** Required clauses satisfied in the name field. */
  inName: number;
}

export interface MatchResult {
  /** Documents satisfying every required clause (or, long-tail, any clause). */
  matches: Match[];
  /** Number of required clauses. */
  required: number;
  /** True when no document satisfies every required clause through exact variants. */
  noExactMatch: boolean;
  /** True when the strict match was empty and the result fell back to any-word matches. */
  relaxed: boolean;
}

/** Per-slot scratch of one pass (a group, an alternative, a clause or the whole query). */
class Scratch {
  stamp = new Int32Array(0);
  score = new Float64Array(0);
  exact = new Uint8Array(0);
  mask = new Uint8Array(0);
  touched: number[] = [];

  ensure(size: number): void {
    if (this.stamp.length >= size) return;
    const n = Math.max(size, this.stamp.length * 2, 1024);
    this.stamp = new Int32Array(n);
    this.score = new Float64Array(n);
    this.exact = new Uint8Array(n);
    this.mask = new Uint8Array(n);
  }
}

interface Pass {
  group: Scratch;
  alt: Scratch;
  clause: Scratch;
  total: Scratch;
  matched: Uint8Array;
  exact: Uint8Array;
  inName: Uint8Array;
  epoch: number;
}

const passes = new WeakMap<SearchIndex, Pass>();

function passOf(index: SearchIndex): Pass {
  let p = passes.get(index);
  if (!p) passes.set(index, (p = { group: new Scratch(), alt: new Scratch(), clause: new Scratch(), total: new Scratch(), matched: new Uint8Array(0), exact: new Uint8Array(0), inName: new Uint8Array(0), epoch: 0 }));
  const size = index.slotCount;
  for (const s of [p.group, p.alt, p.clause, p.total]) s.ensure(size);
  if (p.matched.length < size) {
    const n = Math.max(size, p.matched.length * 2, 1024);
    p.matched = new Uint8Array(n);
    p.exact = new Uint8Array(n);
    p.inName = new Uint8Array(n);
    // New arrays: every stamp is 0 again, and epochs count on from here.
    for (const s of [p.group, p.alt, p.clause, p.total]) s.stamp.fill(0);
  }
  return p;
}

function next(p: Pass): number {
  if (p.epoch >= 0x7ffffff0) {
    for (const s of [p.group, p.alt, p.clause, p.total]) s.stamp.fill(0);
    p.epoch = 0;
  }
  return ++p.epoch;
}

/** Scores one group into `out`: per slot the best variant's score. */
function runGroup(index: SearchIndex, group: Group, out: Scratch, epoch: number): void {
  out.touched.length = 0;
  const { stamp, score, exact, mask, touched } = out;
  // The forms of one word share one idf (from their summed document frequency): a rare plural
  // must not outrank the word itself. Prefix and typo variants keep their own idf, capped by it.
  let exactDf = 0;
  for (const v of group) if (v.exact) exactDf += index.df(v.term);
  const groupIdf = exactDf > 0 ? index.idfOf(exactDf) : Infinity;
  for (const v of group) {
    const idf = (v.exact ? groupIdf : Math.min(groupIdf, index.idf(v.term))) * v.weight;
    if (idf <= 0) continue;
    const isExact = v.exact ? 1 : 0;
    index.forEachPosting(v.term, (slot, w, m) => {
      const s = idf * SearchIndex.saturate(w);
      if (stamp[slot] !== epoch) {
        stamp[slot] = epoch;
        score[slot] = s;
        exact[slot] = isExact;
        mask[slot] = m;
        touched.push(slot);
        return;
      }
      if (s > score[slot]) score[slot] = s;
      exact[slot] |= isExact;
      mask[slot] |= m;
    });
  }
}

/** Scores one clause into `p.clause`: per slot the best alternative (a conjunction of groups). */
function runClause(index: SearchIndex, clause: Clause, p: Pass): void {
  const clauseEpoch = next(p);
  const c = p.clause;
  c.touched.length = 0;
  for (const alt of clause.alternatives) {
    if (alt.groups.length === 0 || alt.groups.some((g) => g.length === 0)) continue;
    // Candidates: slots of the first group, narrowed by each following group.
    const altEpoch = next(p);
    runGroup(index, alt.groups[0], p.alt, altEpoch);
    let candidates = p.alt.touched.slice();
    for (let g = 1; g < alt.groups.length && candidates.length > 0; g++) {
      const gEpoch = next(p);
      runGroup(index, alt.groups[g], p.group, gEpoch);
      const kept: number[] = [];
      for (const slot of candidates) {
        if (p.group.stamp[slot] !== gEpoch) continue;
        p.alt.score[slot] += p.group.score[slot];
        p.alt.exact[slot] &= p.group.exact[slot];
        p.alt.mask[slot] &= p.group.mask[slot];
        kept.push(slot);
      }
      candidates = kept;
    }
    if (alt.adjacent) candidates = candidates.filter((slot) => adjacentInName(index.sequenceOf(slot), alt.adjacent!));
    for (const slot of candidates) {
      const s = p.alt.score[slot];
      if (c.stamp[slot] !== clauseEpoch) {
        c.stamp[slot] = clauseEpoch;
        c.score[slot] = s;
        c.exact[slot] = p.alt.exact[slot];
        c.mask[slot] = p.alt.mask[slot];
        c.touched.push(slot);
        continue;
      }
      if (s > c.score[slot]) c.score[slot] = s;
      c.exact[slot] |= p.alt.exact[slot];
      c.mask[slot] |= p.alt.mask[slot];
    }
  }
}

function adjacentInName(sequence: string[], [a, b]: [string, string]): boolean {
  for (let i = 0; i + 1 < sequence.length; i++) if (sequence[i] === a && sequence[i + 1] === b) return true;
  return false;
}

/**
 * Matches a plan. Strict (default): every required clause; when none matches, falls back to
 * documents matching any clause (`relaxed`). Long-tail: any clause, most clauses first.
 */
export function matchPlan(index: SearchIndex, clauses: Clause[], opts: { longtail: boolean; nameMask: number }): MatchResult {
  const p = passOf(index);
  const totalEpoch = next(p);
  const t = p.total;
  t.touched.length = 0;
  let required = clauses.filter((c) => !c.optional).length;
  if (required === 0) required = clauses.length;
  for (const clause of clauses) {
    runClause(index, clause, p);
    const isRequired = !clause.optional || required === clauses.length;
    const c = p.clause;
    for (const slot of c.touched) {
      if (t.stamp[slot] !== totalEpoch) {
        t.stamp[slot] = totalEpoch;
        t.score[slot] = 0;
        p.matched[slot] = 0;
        p.exact[slot] = 0;
        p.inName[slot] = 0;
        t.touched.push(slot);
      }
      t.score[slot] += c.score[slot];
      if (isRequired) {
        p.matched[slot]++;
        p.exact[slot] += c.exact[slot];
        if (c.mask[slot] & opts.nameMask) p.inName[slot]++;
      }
    }
  }
  const all: Match[] = [];
  let strictCount = 0;
  let exactFound = false;
  for (const slot of t.touched) {
    const matched = p.matched[slot];
    if (matched === required) {
      strictCount++;
      if (p.exact[slot] === required) exactFound = true;
    }
    all.push({ slot, score: t.score[slot], matched, exact: p.exact[slot], inName: p.inName[slot] });
  }
  const relaxed = !opts.longtail && strictCount === 0;
  const matches = opts.longtail || relaxed ? all.filter((m) => m.matched > 0) : all.filter((m) => m.matched === required);
  return { matches, required, noExactMatch: !exactFound, relaxed };
}
