/**
 * `/accessories`: manual accessory links between products (Clerk's CRUD resource). Validates
 * against the in-memory catalog (every product named must exist), stores one document per
 * declaring product through the catalog service (so other instances follow through the change
 * log) and answers each product's links as accessory-links.ts derives them.
 */
import { invalidArgument, LogicalError } from '../errors.js';
import type { CatalogEntry, Doc, Id } from '../storage/ports.js';
import { linkDoc } from './accessory-links.js';
import { keysOf, normalizeBatch, type CatalogService } from './catalog-service.js';
import type { CatalogState } from './catalog-state.js';
import { mergeEntry, RecordError } from './normalize.js';

/** Links one product may declare per list (a slider shows a handful; this only bounds abuse). */
export const MAX_LINKS = 200;
const ARG = 'accessories';

export class Accessories {
  constructor(private readonly catalog: CatalogService) {}

  /**
   * `{product, accessories, directed_accessories}` for each asked product that exists (unknown
   * IDs are skipped, as every CRUD GET does); links to products no longer in the catalog are left out.
   */
  async get(storeId: number, ids: ReadonlyArray<Id>): Promise<Doc[]> {
    const state = await this.catalog.state(storeId);
    const index = state.accessoryIndex();
    const out: Doc[] = [];
    for (const key of keysOf(ids)) {
      const product = state.products.get(key);
      if (!product) continue;
      const links = index.of(key);
      const live = (list: Array<{ key: string; id: Id }>) => list.filter((l) => state.products.has(l.key)).map((l) => idOf(state, l.key, l.id));
      out.push({ product: product.id as Id, accessories: live(links.accessories), directed_accessories: live(links.directed) });
    }
    return out;
  }

  /** POST (`merge` false: each product's links replaced) or PATCH (`merge` true: the lists sent replace those lists only). */
  async put(storeId: number, raws: unknown[], merge: boolean): Promise<void> {
    const state = await this.catalog.state(storeId);
    const entries = merge ? this.merged(state, raws) : normalizeBatch('accessories', raws, ARG);
    const upserts: CatalogEntry[] = [];
    const removals: string[] = [];
    entries.forEach((entry, i) => {
      const at = `${ARG}[${i}]`;
      const product = state.products.get(entry.key);
      if (!product) throw new LogicalError(`${at}.product: no product with id ${JSON.stringify(entry.key)}`, 404);
      const accessories = checkLinks(state, entry.key, entry.doc.accessories, `${at}.accessories`);
      const directed = checkLinks(state, entry.key, entry.doc.directed_accessories, `${at}.directed_accessories`);
      if (accessories.length === 0 && directed.length === 0) removals.push(entry.key);
      else upserts.push({ key: entry.key, doc: linkDoc(product.id as Id, accessories, directed) });
    });
    await this.catalog.putDocs(storeId, 'accessories', upserts, removals.filter((k) => state.accessories.has(k)));
  }

  /** DELETE: every link in which these products take part goes, in both directions. */
  async remove(storeId: number, ids: ReadonlyArray<Id>): Promise<void> {
    await this.catalog.unlinkAccessories(storeId, keysOf(ids));
  }

  private merged(state: CatalogState, raws: unknown[]): CatalogEntry[] {
    const seen = new Set<string>();
    return raws.map((raw, i) => {
      const product = raw && typeof raw === 'object' ? (raw as Doc).product : undefined;
      if (typeof product !== 'string' && typeof product !== 'number') throw invalidArgument(ARG, `${ARG}[${i}].product: required`);
      const key = String(product);
      if (seen.has(key)) throw invalidArgument(ARG, `${ARG}[${i}].product: the same product appears twice`);
      seen.add(key);
      const existing = state.accessories.get(key) ?? { product };
      try {
        return mergeEntry('accessories', existing, raw, { strict: true });
      } catch (err) {
        if (err instanceof RecordError) throw invalidArgument(ARG, `${ARG}[${i}]${err.field ? `.${err.field}` : ''}: ${err.message}`);
        throw err;
      }
    });
  }
}

/** The linked IDs, once each, in the type the catalog stores them; every one an existing product other than `self`. */
function checkLinks(state: CatalogState, self: string, value: unknown, at: string): Id[] {
  const ids = Array.isArray(value) ? (value as Id[]) : [];
  if (ids.length > MAX_LINKS) throw invalidArgument(ARG, `${at}: at most ${MAX_LINKS} products`);
  const seen = new Set<string>();
  const out: Id[] = [];
  ids.forEach((id, j) => {
    const key = String(id);
    if (key === self) throw invalidArgument(ARG, `${at}[${j}]: a product cannot be its own accessory`);
    if (!state.products.has(key)) throw new LogicalError(`${at}[${j}]: no product with id ${JSON.stringify(key)}`, 404);
    if (seen.has(key)) return;
    seen.add(key);
    out.push(idOf(state, key, id));
  });
  return out;
}

/** A product's ID as the catalog stores it (a link sent as "12" for product 12 answers 12). */
function idOf(state: CatalogState, key: string, fallback: Id): Id {
  const id = state.products.get(key)?.id;
  return typeof id === 'string' || typeof id === 'number' ? id : fallback;
}
