/**
 * What is happening right now: the latest product views (for `currently_watched`) and the latest
 * purchased products (for `recently_bought`), each in a fixed-size ring, so memory is constant.
 */
import type { PersonKeys, StoredEvent } from '../storage/ports.js';
import type { ModelComponent, OrderSignal } from './models.js';
import { rankScores } from './neighbour-graph.js';
import { expectArray, expectNumber, SnapshotStateError } from './snapshot-state.js';

export const RECENT_MODEL = 'recent';
/** "Currently": views of the last 15 minutes. */
export const WATCHING_WINDOW_SECONDS = 15 * 60;

interface View {
  product: string;
  visitor: string;
  time: number;
}

interface Bought {
  product: string;
  time: number;
  visitor: string | null;
  email: string | null;
  customer: string | null;
}

/** A fixed-capacity ring: pushing past capacity overwrites the oldest entry. */
export class Ring<T> {
  private items: T[] = [];
  private next = 0;

  constructor(readonly capacity: number) {}

  /** The entries and the overwrite position, for a model snapshot. */
  snapshot(): { items: T[]; next: number } {
    return { items: this.items, next: this.next };
  }

  restore(s: { items: T[]; next: number }): void {
    this.items = expectArray(s.items, 'ring');
    if (this.items.length > this.capacity) throw new SnapshotStateError('ring: more entries than its capacity');
    this.next = expectNumber(s.next, 'ring position') % this.capacity;
  }

  push(item: T): void {
    if (this.items.length < this.capacity) this.items.push(item);
    else this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Entries in no particular order. */
  values(): readonly T[] {
    return this.items;
  }

  /** Removes entries matching `drop` (privacy/forget). */
  removeWhere(drop: (item: T) => boolean): void {
    // Oldest first, so that overwriting resumes at the oldest kept entry.
    const full = this.items.length === this.capacity;
    const ordered = full ? [...this.items.slice(this.next), ...this.items.slice(0, this.next)] : this.items;
    const kept = ordered.filter((i) => !drop(i));
    this.items.length = 0;
    this.items.push(...kept);
    this.next = this.items.length % this.capacity;
  }
}

/** Products viewed by visitors other than `self` since `from`: most distinct viewers first, then latest view. */
export function watchedSince(views: readonly View[], from: number, self: string | null): string[] {
  const viewers = new Map<string, Set<string>>();
  const latest = new Map<string, number>();
  for (const v of views) {
    if (v.time < from || v.visitor === self) continue;
    let set = viewers.get(v.product);
    if (!set) viewers.set(v.product, (set = new Set()));
    set.add(v.visitor);
    latest.set(v.product, Math.max(latest.get(v.product) ?? 0, v.time));
  }
  // Viewer count dominates; the latest view time (scaled below 1) breaks ties.
  const scores = new Map<string, number>();
  const maxTime = Math.max(1, ...latest.values());
  for (const [p, set] of viewers) scores.set(p, set.size + (latest.get(p)! / maxTime) * 0.5);
  return rankScores(scores);
}

export class Recent implements ModelComponent {
  private readonly views: Ring<View>;
  private readonly bought: Ring<Bought>;

  constructor(viewCapacity = 20_000, boughtCapacity = 2_000) {
    this.views = new Ring(viewCapacity);
    this.bought = new Ring(boughtCapacity);
  }

  snapshot(): { views: ReturnType<Ring<View>['snapshot']>; bought: ReturnType<Ring<Bought>['snapshot']> } {
    return { views: this.views.snapshot(), bought: this.bought.snapshot() };
  }

  restore(s: { views: ReturnType<Ring<View>['snapshot']>; bought: ReturnType<Ring<Bought>['snapshot']> }): void {
    this.views.restore(s.views);
    this.bought.restore(s.bought);
  }

  applyEvent(e: StoredEvent): void {
    if ((e.type === 'product' || e.type === 'click') && e.product && e.visitor) this.views.push({ product: e.product, visitor: e.visitor, time: e.time });
  }

  applyOrder(o: OrderSignal): void {
    for (const product of new Set(o.products)) this.bought.push({ product, time: o.time, visitor: o.visitor, email: o.email, customer: o.customer });
  }

  /** Products others viewed in the last minutes, most viewers first. */
  currentlyWatched(now: number, self: string | null): string[] {
    return watchedSince(this.views.values(), now - WATCHING_WINDOW_SECONDS, self);
  }

  /** Latest purchased products, newest purchase first, each once. */
  recentlyBought(): string[] {
    const latest = new Map<string, number>();
    for (const b of this.bought.values()) latest.set(b.product, Math.max(latest.get(b.product) ?? -Infinity, b.time));
    return rankScores(latest);
  }

  people(): PersonKeys {
    const keys = { visitors: new Set<string>(), emails: new Set<string>(), customers: new Set<string>() };
    for (const v of this.views.values()) keys.visitors.add(v.visitor);
    for (const b of this.bought.values()) {
      if (b.visitor !== null) keys.visitors.add(b.visitor);
      if (b.email !== null) keys.emails.add(b.email);
      if (b.customer !== null) keys.customers.add(b.customer);
    }
    return { visitors: [...keys.visitors], emails: [...keys.emails], customers: [...keys.customers] };
  }

  forget(keys: PersonKeys): void {
    const visitors = new Set(keys.visitors);
    const emails = new Set(keys.emails);
    const customers = new Set(keys.customers);
    this.views.removeWhere((v) => visitors.has(v.visitor));
    this.bought.removeWhere((b) => (b.visitor !== null && visitors.has(b.visitor)) || (b.email !== null && emails.has(b.email)) || (b.customer !== null && customers.has(b.customer)));
  }
}
