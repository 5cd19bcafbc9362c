/**
 * Impressions queued for the group commit but not committed yet, indexed the two ways a click
 * joins them: by request ID and by visitor. Holds only what is in flight (milliseconds' worth).
 */
import { impressionShows, newestFirst } from '../storage/shared.js';
import type { ImpressionRecord } from '../storage/ports.js';

const newer = newestFirst<ImpressionRecord>((i) => i.time, (i) => i.requestId);

export class PendingImpressions {
  private readonly byRequestId = new Map<string, ImpressionRecord>();
  private readonly byVisitor = new Map<string, ImpressionRecord[]>();

  add(imp: ImpressionRecord): void {
    this.byRequestId.set(`${imp.storeId}/${imp.requestId}`, imp);
    const k = `${imp.storeId}/${imp.visitor}`;
    const list = this.byVisitor.get(k);
    if (list) list.push(imp);
    else this.byVisitor.set(k, [imp]);
  }

  remove(imp: ImpressionRecord): void {
    const rk = `${imp.storeId}/${imp.requestId}`;
    if (this.byRequestId.get(rk) === imp) this.byRequestId.delete(rk);
    const k = `${imp.storeId}/${imp.visitor}`;
    const list = this.byVisitor.get(k);
    if (!list) return;
    const i = list.indexOf(imp);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.byVisitor.delete(k);
  }

  byRequest(storeId: number, requestId: string): ImpressionRecord | null {
    return this.byRequestId.get(`${storeId}/${requestId}`) ?? null;
  }

  latestShowing(storeId: number, visitors: string[], product: string, opts: { api?: string; labels?: string[]; since?: number }): ImpressionRecord | null {
    let best: ImpressionRecord | null = null;
    for (const visitor of visitors) {
      for (const imp of this.byVisitor.get(`${storeId}/${visitor}`) ?? []) {
        if (impressionShows(imp, product, opts) && (!best || newer(imp, best) < 0)) best = imp;
      }
    }
    return best;
  }
}
