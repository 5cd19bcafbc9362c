/**
 * The in-memory catalog of one store: products, categories, pages and accessory links by key,
 * plus the category tree and the accessory index. Storage is the truth; this is derived, rebuilt at start-up and kept current by every
 * committed write (and by the change log other instances write).
 */
import { RULE_KINDS, type DocKind, type Doc, type RuleKind } from '../storage/ports.js';
import { AccessoryIndex } from './accessory-links.js';

/** Kinds held in memory: the catalog that results are built from, and the search rules. */
export type MemoryKind = 'products' | 'categories' | 'pages' | 'accessories' | RuleKind;
export const MEMORY_KINDS: readonly MemoryKind[] = ['products', 'categories', 'pages', 'accessories', ...RULE_KINDS];
const MEMORY_SET = new Set<DocKind>(MEMORY_KINDS);
const RULE_SET = new Set<DocKind>(RULE_KINDS);

export function isMemoryKind(kind: DocKind): kind is MemoryKind {
  return MEMORY_SET.has(kind);
}

/** Called after each change to a store's in-memory documents (`doc` null: removed). */
export type ChangeListener = (kind: MemoryKind, key: string, doc: Doc | null) => void;

export class CatalogState {
  readonly products = new Map<string, Doc>();
  readonly categories = new Map<string, Doc>();
  readonly pages = new Map<string, Doc>();
  readonly accessories = new Map<string, Doc>();
  readonly synonyms = new Map<string, Doc>();
  readonly redirects = new Map<string, Doc>();
  readonly customized_search = new Map<string, Doc>();
  readonly campaigns = new Map<string, Doc>();
  readonly search_settings = new Map<string, Doc>();
  /** Bumped on every change, so derived caches know when to rebuild. */
  version = 0;
  /** Bumped on every change of a rule kind (search rules are compiled once per version). */
  rulesVersion = 0;
  private readonly listeners: ChangeListener[] = [];
  private tree: { children: Map<string, Set<string>>; descendants: Map<string, ReadonlySet<string>> } | null = null;
  private links: AccessoryIndex | null = null;

  /** Sets (doc) or removes (null) one document. */
  apply(kind: MemoryKind, key: string, doc: Doc | null): void {
    const map = this[kind];
    if (doc) map.set(key, doc);
    else map.delete(key);
    this.version++;
    if (kind === 'categories') this.tree = null;
    if (kind === 'accessories') this.links = null;
    if (RULE_SET.has(kind)) this.rulesVersion++;
    for (const listener of this.listeners) listener(kind, key, doc);
  }

  /** Subscribes to every later change (the search indexes follow the catalog this way). */
  onChange(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  /** The accessory links of every product, rebuilt after a change to them. */
  accessoryIndex(): AccessoryIndex {
    return (this.links ??= new AccessoryIndex(this.accessories));
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
