/**
 * The in-memory catalog of one store: products, categories and pages by key, plus the category
 * tree. Storage is the truth; this is derived, rebuilt at start-up and kept current by every
 * committed write (and by the change log other instances write).
 */
import type { CatalogKind, Doc } from '../storage/ports.js';

export type MemoryKind = 'products' | 'categories' | 'pages';
export const MEMORY_KINDS: readonly MemoryKind[] = ['products', 'categories', 'pages'];

export function isMemoryKind(kind: CatalogKind): kind is MemoryKind {
  return kind === 'products' || kind === 'categories' || kind === 'pages';
}

export class CatalogState {
  readonly products = new Map<string, Doc>();
  readonly categories = new Map<string, Doc>();
  readonly pages = new Map<string, Doc>();
  /** Bumped on every change, so derived caches know when to rebuild. */
  version = 0;
  private tree: { children: Map<string, Set<string>>; descendants: Map<string, ReadonlySet<string>> } | null = null;

  /** Sets (doc) or removes (null) one document. */
  apply(kind: MemoryKind, key: string, doc: Doc | null): void {
    const map = this[kind];
    if (doc) map.set(key, doc);
    else map.delete(key);
    this.version++;
    if (kind === 'categories') this.tree = null;
  }

  /** The category and every category below it (IDs as strings), cycle-safe. */
  categoryDescendants(id: string): ReadonlySet<string> {
    const tree = this.categoryTree();
    const cached = tree.descendants.get(id);
    if (cached) return cached;
    const seen = new Set<string>([id]);
    const queue = [id];
    while (queue.length > 0) {
      for (const child of tree.children.get(queue.pop()!) ?? []) {
        if (!seen.has(child)) {
          seen.add(child);
          queue.push(child);
        }
      }
    }
    tree.descendants.set(id, seen);
    return seen;
  }

  /** Immediate children of a category, from its `subcategories` and the others' `parent`. */
  childCategories(id: string): string[] {
    return [...(this.categoryTree().children.get(id) ?? [])];
  }

  categoryName(id: string): string | undefined {
    const name = this.categories.get(id)?.name;
    return typeof name === 'string' ? name : undefined;
  }

  private categoryTree() {
    if (this.tree) return this.tree;
    const children = new Map<string, Set<string>>();
    const link = (parent: string, child: string) => {
      if (parent === child) return;
      let set = children.get(parent);
      if (!set) children.set(parent, (set = new Set()));
      set.add(child);
    };
    for (const [key, doc] of this.categories) {
      if (Array.isArray(doc.subcategories)) for (const sub of doc.subcategories) link(key, String(sub));
      if (doc.parent !== undefined && doc.parent !== null) link(String(doc.parent), key);
    }
    this.tree = { children, descendants: new Map() };
    return this.tree;
  }
}
