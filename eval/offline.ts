/**
 * In-process evaluation: replays a split through Method objects (the reference baselines, and the
 * session model itself for quick tuning) with the same prefix protocol as the HTTP replay.
 */
import { DEFAULT_LIMITS, SessionModel, type SessionLimits } from '../src/recommend/session-model.js';
import { DEFAULT_PARAMS, type ScoringParams } from '../src/recommend/session-scoring.js';
import type { Method } from './baselines.js';
import { byStart, eventsInTimeOrder, type Split } from './data.js';
import { Metrics, withoutSeen, type Summary } from './metrics.js';

export interface MethodResult {
  name: string;
  excluded: Summary;
  allowed: Summary;
}

/** Scores one method: every prefix of every test session, in session start order. */
export function evaluateMethod(split: Split, method: Method, items: number): MethodResult {
  const excluded = new Metrics();
  const allowed = new Metrics();
  for (const s of byStart(split.test)) {
    const visitor = `e${s.id}`;
    for (let p = 0; p < s.items.length - 1; p++) {
      method.observe?.(visitor, s.items[p], s.times[p]);
      const prefix = s.items.slice(0, p + 1);
      const seen = new Set(prefix);
      const target = s.items[p + 1];
      allowed.add(method.rank(prefix, 20, true), target);
      excluded.add(withoutSeen(method.rank(prefix, 20 + seen.size, false), seen), target);
    }
  }
  return { name: method.name, excluded: excluded.summary(items), allowed: allowed.summary(items) };
}

/** The session model as a Method, trained on the split's training clicks in time order. */
export function sessionModelMethod(split: Split, params: ScoringParams = DEFAULT_PARAMS, limits: SessionLimits = DEFAULT_LIMITS): Method {
  const model = new SessionModel(limits, params);
  for (const e of eventsInTimeOrder(split.train)) model.add(`t${e.session}`, e.item, e.time);
  let current = '';
  return {
    name: 'Session model (in-process)',
    observe(visitor, item, time) {
      current = visitor;
      model.add(visitor, item, time);
    },
    rank(_prefix, n, includeSeen) {
      return model.recommend([current], { limit: n, includeSeen }).map((s) => s.key);
    },
  };
}

/** Distinct training items (the catalogue coverage is measured against). */
export function catalogueSize(split: Split): number {
  return new Set(split.train.flatMap((s) => s.items)).size;
}
