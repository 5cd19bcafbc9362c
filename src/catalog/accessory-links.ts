/**
 * Manual accessory links (`/accessories`). Each product that declares links has one stored
 * document `{product, accessories: [ids], directed_accessories: [ids]}`: `accessories` link both
 * ways (declared on A, B shows A too), `directed_accessories` one way. This module derives the
 * view every reader needs from those documents (pure functions over the in-memory maps) and
 * plans the writes that remove a product's links.
 */
import type { CatalogEntry, Doc, Id } from '../storage/ports.js';

/** One linked product: its key and its ID in the type it was given. */
interface Link {
  key: string;
  id: Id;
}

/** The links of one product as `/accessories` answers them and complementary results lead with them. */
export interface ProductLinks {
  /** Two-way links: declared by the product, then declared on it by others (in key order). */
  accessories: Link[];
  /** One-way links the product declared. */
  directed: Link[];
}

/** Every product's links, built once per change of the accessory documents. */
export class AccessoryIndex {
  private readonly byProduct = new Map<string, ProductLinks>();
  /** Products whose documents name a key, in either list (what unlinking a key must rewrite). */
  private readonly referencedBy = new Map<string, Set<string>>();

  constructor(docs: ReadonlyMap<string, Doc>) {
    const keys = [...docs.keys()].sort();
    for (const key of keys) {
      const doc = docs.get(key)!;
      const own = this.entry(key);
      for (const id of idsOf(doc.accessories)) {
        own.accessories.push({ key: String(id), id });
        this.reference(String(id), key);
      }
      for (const id of idsOf(doc.directed_accessories)) {
        own.directed.push({ key: String(id), id });
        this.reference(String(id), key);
      }
    }
    // The other direction of every two-way link, after all own links so those lead.
    for (const key of keys) {
      const doc = docs.get(key)!;
      for (const id of idsOf(doc.accessories)) {
        const other = this.entry(String(id));
        if (!other.accessories.some((l) => l.key === key)) other.accessories.push({ key, id: doc.product as Id });
      }
    }
  }

  /** The product's links (empty lists when it has none). */
  of(key: string): ProductLinks {
    return this.byProduct.get(key) ?? { accessories: [], directed: [] };
  }

  /** Keys of the products linked from these products, own links first, once each, the given ones left out. */
  linkedFrom(keys: readonly string[]): string[] {
    const given = new Set(keys);
    const out = new Set<string>();
    for (const key of keys) {
      const links = this.byProduct.get(key);
      if (!links) continue;
      for (const l of links.accessories) if (!given.has(l.key)) out.add(l.key);
      for (const l of links.directed) if (!given.has(l.key)) out.add(l.key);
    }
    return [...out];
  }

  /** Keys of the documents that name `key` in a list. */
  documentsNaming(key: string): ReadonlySet<string> {
    return this.referencedBy.get(key) ?? new Set();
  }

  private entry(key: string): ProductLinks {
    let links = this.byProduct.get(key);
    if (!links) this.byProduct.set(key, (links = { accessories: [], directed: [] }));
    return links;
  }

  private reference(target: string, from: string): void {
    let set = this.referencedBy.get(target);
    if (!set) this.referencedBy.set(target, (set = new Set()));
    set.add(from);
  }
}

/**
 * The writes that remove every link in which these products take part: their own documents go,
 * and every other document naming one of them is rewritten without it (or removed when nothing is
 * left). Used by `DELETE /accessories` and when products are removed.
 */
export function unlinkPlan(docs: ReadonlyMap<string, Doc>, index: AccessoryIndex, keys: readonly string[]): { upserts: CatalogEntry[]; removals: string[] } {
  const gone = new Set(keys);
  const removals = keys.filter((k) => docs.has(k));
  const upserts: CatalogEntry[] = [];
  const touched = new Set<string>();
  for (const key of keys) for (const from of index.documentsNaming(key)) if (!gone.has(from)) touched.add(from);
  for (const from of [...touched].sort()) {
    const doc = docs.get(from)!;
    const accessories = idsOf(doc.accessories).filter((id) => !gone.has(String(id)));
    const directed = idsOf(doc.directed_accessories).filter((id) => !gone.has(String(id)));
    if (accessories.length === 0 && directed.length === 0) removals.push(from);
    else upserts.push({ key: from, doc: linkDoc(doc.product as Id, accessories, directed) });
  }
  return { upserts, removals };
}

/** A stored accessory document; empty lists are omitted. */
export function linkDoc(product: Id, accessories: Id[], directed: Id[]): Doc {
  const doc: Doc = { product };
  if (accessories.length > 0) doc.accessories = accessories;
  if (directed.length > 0) doc.directed_accessories = directed;
  return doc;
}

function idsOf(value: unknown): Id[] {
  return Array.isArray(value) ? (value as Id[]) : [];
}
