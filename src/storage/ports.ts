/**
 * Storage ports: narrow interfaces named by use. Domain code depends on these only; the
 * sqlite/ and postgres/ adapters implement them, and conformance/ checks both behave alike.
 * Every method is async so one domain code path serves both the synchronous embedded driver and
 * the networked one.
 */

export type Id = string | number;
export type Doc = Record<string, unknown>;

/** The catalog resources kept as documents. Orders are never removed by a feed mirror. */
export type CatalogKind = 'products' | 'categories' | 'pages' | 'customers' | 'orders';
export const CATALOG_KINDS: readonly CatalogKind[] = ['products', 'categories', 'pages', 'customers', 'orders'];

/**
 * One stored document. `key` is the ID as a string (IDs compare as strings everywhere); `doc`
 * keeps the ID in the type it was given. `email`, `customer` and `time` are indexed copies of
 * fields the domain needs to look up (customers by email; orders by email, customer and time).
 */
export interface CatalogEntry {
  key: string;
  doc: Doc;
  email?: string | null;
  customer?: string | null;
  time?: number | null;
}

export interface StoreRecord {
  id: number;
  name: string;
  publicKey: string;
  /** Unix seconds. */
  createdAt: number;
}

export interface PrivateKeyRecord {
  storeId: number;
  name: string;
  /** Hex SHA-256 of the key; the key itself is never stored. */
  hash: string;
  createdAt: number;
}

/** Stores and their keys. */
export interface StoreRegistry {
  /** Creates a store with its first private key. Throws LogicalError (409) when the name or public key is taken. */
  createStore(input: { name: string; publicKey: string; privateKey: { name: string; hash: string } }): Promise<StoreRecord>;
  /** Adds another named private key. Throws LogicalError (409) when the store already has a key of that name. */
  addPrivateKey(storeId: number, key: { name: string; hash: string }): Promise<void>;
  /** All stores, oldest first. */
  listStores(): Promise<StoreRecord[]>;
  findStoreByPublicKey(publicKey: string): Promise<StoreRecord | null>;
  findStoreByName(name: string): Promise<StoreRecord | null>;
  listPrivateKeys(storeId: number): Promise<PrivateKeyRecord[]>;
  /** Small per-store settings (JSON values), e.g. the visitor salt. */
  getSetting(storeId: number, name: string): Promise<unknown | undefined>;
  setSetting(storeId: number, name: string, value: unknown): Promise<void>;
}

/** One row of the catalog change log, which other instances tail to stay current. */
export interface CatalogChange {
  seq: number;
  storeId: number;
  kind: CatalogKind;
  key: string;
}

export interface ImportStats {
  /** Per kind: documents written and (for mirrored kinds) documents removed. */
  written: Record<CatalogKind, number>;
  removed: Record<CatalogKind, number>;
}

/**
 * A feed import in progress. Staged documents are invisible until commit; commit applies them
 * all in one transaction; abort (or a crash) leaves the catalog unchanged.
 */
export interface ImportSession {
  stage(kind: CatalogKind, entries: CatalogEntry[]): Promise<void>;
  /** Upserts everything staged; for each kind in `mirror` removes stored documents that were not staged. */
  commit(mirror: CatalogKind[]): Promise<ImportStats>;
  abort(): Promise<void>;
}

/** Catalog documents of every store. */
export interface CatalogStore {
  /** Inserts or replaces whole documents by key, in one transaction. */
  upsertDocs(storeId: number, kind: CatalogKind, entries: CatalogEntry[]): Promise<void>;
  /** Inserts the documents whose key is absent; returns the keys it inserted (the rest are left untouched). */
  insertDocsIfAbsent(storeId: number, kind: CatalogKind, entries: CatalogEntry[]): Promise<string[]>;
  /** Removes documents by key in one transaction; returns how many existed. */
  removeDocs(storeId: number, kind: CatalogKind, keys: string[]): Promise<number>;
  /** The documents with these keys, in the order asked; missing keys are skipped. */
  getDocs(storeId: number, kind: CatalogKind, keys: string[]): Promise<CatalogEntry[]>;
  /** Documents whose indexed email is one of these (already normalised). */
  findDocsByEmail(storeId: number, kind: CatalogKind, emails: string[]): Promise<CatalogEntry[]>;
  /** Every document of a kind, in key order, streamed in pages so memory stays bounded. */
  scanDocs(storeId: number, kind: CatalogKind, pageSize?: number): AsyncIterable<CatalogEntry[]>;
  countDocs(storeId: number, kind: CatalogKind): Promise<number>;
  /** Change-log rows with seq > after, oldest first, at most `limit`. */
  changesSince(after: number, limit: number): Promise<CatalogChange[]>;
  /** The newest change-log seq (0 when empty). */
  latestChangeSeq(): Promise<number>;
  beginImport(storeId: number): Promise<ImportSession>;
}

/** An open storage backend. */
export interface Storage {
  readonly dialect: 'sqlite' | 'postgres';
  readonly stores: StoreRegistry;
  readonly catalog: CatalogStore;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
