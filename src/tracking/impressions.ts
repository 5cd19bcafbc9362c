/**
 * Recording what a result call showed. Every result-returning endpoint calls `recordImpression`
 * once; it answers the request_id that goes into the response, and queues the impression
 * (visitor, api, labels, input, result keys) when there is a visitor to record it for.
 */
import type { Doc } from '../storage/ports.js';
import { Ingest, type TrackContext } from './ingest.js';
import { effectiveLabels } from './labels.js';

export interface ImpressionInput {
  visitor: string | null | undefined;
  /** The endpoint name, e.g. `recommendations/popular`. */
  api: string;
  labels: string[] | undefined;
  /** What was asked: query / products / category / page. */
  input: Doc;
  /** Keys of the results shown, in order. */
  results: string[];
  time: number;
}

/**
 * Records an impression (when there is a visitor and the gates pass); returns its request_id.
 * The impression is queued for the next group commit, not waited for (see Ingest.queueImpression).
 */
export async function recordImpression(ingest: Ingest, ctx: TrackContext, imp: ImpressionInput): Promise<string> {
  const requestId = Ingest.requestId();
  const visitor = await ingest.visitorOf(ctx, imp.visitor);
  if (await ingest.gate(ctx, visitor)) return requestId;
  ingest.queueImpression({
    storeId: ctx.store.id, requestId, time: imp.time, visitor: visitor!, api: imp.api,
    labels: effectiveLabels(imp.labels, imp.api), input: imp.input, results: imp.results,
  });
  return requestId;
}
