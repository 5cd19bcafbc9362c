/**
 * The model components behind the non-visitor recommendation endpoints, registered in one call
 * from runtime.ts (before `models.rebuild`, so start-up replays history into them).
 */
import { CO_PURCHASE_MODEL, CoPurchase } from './co-purchase.js';
import { CO_VIEW_MODEL, CoView } from './co-view.js';
import type { Models } from './models.js';
import { RECENT_MODEL, Recent } from './recent.js';
import { TRENDING_MODEL, Trending } from './trending.js';

/** Registers co-view, co-purchase, trending and recent-activity models for every store. */
export function registerProductModels(models: Models): void {
  models.register(CO_VIEW_MODEL, () => new CoView());
  models.register(CO_PURCHASE_MODEL, () => new CoPurchase());
  models.register(TRENDING_MODEL, () => new Trending());
  models.register(RECENT_MODEL, () => new Recent());
}
