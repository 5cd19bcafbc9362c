/**
 * A click's join to the impression that showed the product. The tracker joins from memory
 * (impressions still queued for commit) on the request path; a click that finds nothing there is
 * committed with its join pending, and the group commit resolves every pending join of its batch
 * in one storage call (EventStore.joinImpressions) before it writes the batch and counts it.
 */
import { queryOf } from '../analytics/deltas.js';
import type { ImpressionJoin, ImpressionRecord, TrackedEvent } from '../storage/ports.js';

/** What the click call itself said; the impression fills what it left out. */
export interface ClickGiven {
  labels?: string[];
  api?: string;
  n?: number;
}

/** A click still to be joined by the group commit. */
export interface PendingJoin {
  query: ImpressionJoin;
  given: ClickGiven;
  /** A queued impression showing the product, found on the request path (newer than any stored one). */
  queued: ImpressionRecord | null;
  /**
   * Settled from memory on the single-writer assumption (impression-index.ts): kept by the group
   * commit unless that assumption failed meanwhile, when the click is joined from storage instead.
   */
  memory?: ImpressionRecord | null;
}

/** Which impression a pending join settles on, given what storage found: an exact request_id match, else the queued one, else storage's latest. */
export function settleJoin(join: PendingJoin, stored: ImpressionRecord | null): ImpressionRecord | null {
  if (stored && join.query.requestId && stored.requestId === join.query.requestId) return stored;
  return join.queued ?? stored;
}

/** The click event with what its impression (or none) contributes: labels, api, request_id, position, the search query. */
export function joinedClick(event: TrackedEvent, given: ClickGiven, impression: ImpressionRecord | null): TrackedEvent {
  const product = event.product!;
  const position = given.n ?? (impression ? impression.results.indexOf(product) : -1);
  const query = queryOf(impression?.input);
  return {
    ...event,
    labels: given.labels ?? impression?.labels ?? null,
    api: given.api ?? impression?.api ?? null,
    requestId: impression?.requestId ?? null,
    position: position >= 0 ? position : null,
    // The search query travels with the click, so search analytics can count no-click queries.
    data: query ? { query } : null,
  };
}
