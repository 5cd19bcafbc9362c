/**
 * Attribution (SPEC §7): each sold line is credited to the latest click on that product by the
 * same person (any of their devices) within the attribution window before the sale; every label
 * of that click is credited. External clicks (email, ads) are their own channel; the rest is
 * organic. Computed when the sale is logged and stored with it.
 */
import type { Doc, SaleLine } from '../storage/ports.js';

export type Channel = 'search' | 'recommendations' | 'external' | 'organic';
export const CHANNELS: readonly Channel[] = ['search', 'recommendations', 'external', 'organic'];

/** A click as attribution sees it. */
export interface ClickRef {
  time: number;
  product: string;
  labels: string[] | null;
  api: string | null;
  external: boolean;
  requestId: string | null;
  position: number | null;
  /** The search query of the results the click came from (search clicks only). */
  query?: string | null;
}

export interface LineAttribution {
  product: string;
  quantity: number;
  price: number;
  channel: Channel;
  /** The credited click (no visitor: attribution is kept after privacy/forget). */
  click: { time: number; labels: string[]; api: string | null; external: boolean; request_id: string | null; position: number | null; query?: string } | null;
}

export interface SaleAttribution {
  window_seconds: number;
  /** True when the person clicked any Relevo result within the window before the sale. */
  clicker: boolean;
  lines: LineAttribution[];
}

/** The channel of a click: external when flagged, search for search/* apis, else recommendations. */
export function channelOf(click: Pick<ClickRef, 'api' | 'external'>): Channel {
  if (click.external) return 'external';
  if (click.api && click.api.startsWith('search/')) return 'search';
  return 'recommendations';
}

/** Attributes every line of a sale to the person's latest qualifying click on its product. */
export function attributeSale(lines: SaleLine[], saleTime: number, clicks: ClickRef[], windowSeconds: number): SaleAttribution {
  const inWindow = clicks.filter((c) => c.time <= saleTime && c.time >= saleTime - windowSeconds);
  const latest = new Map<string, ClickRef>();
  for (const c of inWindow) {
    const prev = latest.get(c.product);
    if (!prev || c.time > prev.time) latest.set(c.product, c);
  }
  return {
    window_seconds: windowSeconds,
    clicker: inWindow.length > 0,
    lines: lines.map((line) => {
      const click = latest.get(line.product);
      return {
        product: line.product,
        quantity: line.quantity,
        price: line.price,
        channel: click ? channelOf(click) : 'organic',
        click: click ? creditedClick(click) : null,
      };
    }),
  };
}

/** A line's credited click as stored; query only when the click had one (set, not spread in: a conditional spread costs ~1 µs). */
function creditedClick(click: ClickRef): NonNullable<LineAttribution['click']> {
  const credited: NonNullable<LineAttribution['click']> = {
    time: click.time, labels: click.labels ?? [click.api ?? 'log/click'], api: click.api, external: click.external, request_id: click.requestId, position: click.position,
  };
  if (click.query) credited.query = click.query;
  return credited;
}

/** Reads a stored attribution back (null when the sale has none). */
export function readAttribution(doc: Doc | null | undefined): SaleAttribution | null {
  return doc && Array.isArray((doc as { lines?: unknown }).lines) ? (doc as unknown as SaleAttribution) : null;
}
