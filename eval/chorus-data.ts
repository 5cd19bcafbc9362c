/**
 * The Chorus / Icecat search data (../shared/data/chorus-icecat): 19,406 products in four zipped
 * JSON arrays and graded judgments (query, docid, rating 0..3). Products are turned into what a
 * shop would send to `product/add`: title → name, supplier → brand, model/part number → sku,
 * EANs → ean, short description → description, price in cents → price, every attr_t_* text
 * attribute kept under its name without the prefix (colour, type, compatibility …), attr_n_*
 * numbers likewise. Product data © Icecat (icecat.biz), Open Content License.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync, strFromU8 } from 'fflate';
import type { Doc } from '../src/storage/ports.js';

export const CHORUS_DIR = 'chorus-icecat';
const ZIPS = ['1.json.zip', '2.json.zip', '3.json.zip', '4.json.zip'];
const JUDGMENTS = 'judgments-dev.csv';

export function chorusPresent(dataDir: string): boolean {
  return [...ZIPS, JUDGMENTS].every((f) => existsSync(join(dataDir, CHORUS_DIR, f)));
}

/** The raw Icecat records of the four archives. */
export function loadIcecat(dataDir: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const zip of ZIPS) {
    const files = unzipSync(readFileSync(join(dataDir, CHORUS_DIR, zip)));
    for (const [name, bytes] of Object.entries(files)) if (name.endsWith('.json')) out.push(...(JSON.parse(strFromU8(bytes)) as Array<Record<string, unknown>>));
  }
  return out;
}

/** An Icecat record as a Clerk product object. */
export function toProduct(r: Record<string, unknown>): Doc {
  const p: Doc = {
    id: String(r.id),
    name: String(r.title ?? ''),
    brand: String(r.supplier ?? ''),
    sku: String(r.name ?? ''),
    price: typeof r.price === 'number' ? r.price / 100 : 0,
    image: String(r.img_500x500 ?? r.img_high ?? ''),
    url: `https://shop.example/p/${String(r.id)}`,
    categories: [],
  };
  if (Array.isArray(r.ean)) p.ean = r.ean.map(String);
  if (typeof r.short_description === 'string') p.description = r.short_description;
  if (typeof r.date_released === 'string') {
    const t = Date.parse(r.date_released);
    if (Number.isFinite(t)) p.created_at = Math.floor(t / 1000);
  }
  for (const [k, v] of Object.entries(r)) {
    const m = /^attr_([tnb])_(.+)$/.exec(k);
    if (!m) continue;
    const name = m[2].replace(/_+$/, '').replace(/[^A-Za-z0-9_]/g, '_').slice(0, 100);
    if (name === '' || name in p) continue;
    if (m[1] === 't' && typeof v === 'string') p[name] = v;
    else if (m[1] === 'n' && typeof v === 'number' && Number.isFinite(v)) p[name] = v;
    else if (m[1] === 'b' && typeof v === 'boolean') p[name] = v;
  }
  return p;
}

/** Graded judgments: query → (docid → rating). */
export function loadJudgments(dataDir: string): Map<string, Map<string, number>> {
  const lines = readFileSync(join(dataDir, CHORUS_DIR, JUDGMENTS), 'utf8').split(/\r?\n/).slice(1);
  const out = new Map<string, Map<string, number>>();
  for (const line of lines) {
    if (line.trim() === '') continue;
    // query,docid,rating: the query never contains a comma in this file, but split from the right anyway.
    const last = line.lastIndexOf(',');
    const prev = line.lastIndexOf(',', last - 1);
    const query = line.slice(0, prev).trim();
    const doc = line.slice(prev + 1, last).trim();
    const rating = Number(line.slice(last + 1));
    if (!Number.isFinite(rating)) continue;
    let m = out.get(query);
    if (!m) out.set(query, (m = new Map()));
    m.set(doc, rating);
  }
  return out;
}

export interface RelevanceSummary {
  queries: number;
  ndcg10: number;
  p10: number;
  judged10: number;
}

/** nDCG@10 (gain 2^r − 1, log2 discount, ideal from the judged ratings), P@10 (r ≥ 2), judged@10; over queries with a positive judgment. */
export function scoreRuns(judgments: Map<string, Map<string, number>>, runs: Map<string, string[]>): RelevanceSummary & { perQuery: Map<string, number> } {
  let n = 0;
  let ndcg = 0;
  let p10 = 0;
  let judged = 0;
  const perQuery = new Map<string, number>();
  for (const [query, ratings] of judgments) {
    if (![...ratings.values()].some((r) => r > 0)) continue;
    const top = (runs.get(query) ?? []).slice(0, 10);
    let dcg = 0;
    top.forEach((id, i) => {
      dcg += (2 ** (ratings.get(id) ?? 0) - 1) / Math.log2(i + 2);
    });
    const ideal = [...ratings.values()].sort((a, b) => b - a).slice(0, 10).reduce((s, r, i) => s + (2 ** r - 1) / Math.log2(i + 2), 0);
    const q = ideal > 0 ? dcg / ideal : 0;
    perQuery.set(query, q);
    ndcg += q;
    p10 += top.filter((id) => (ratings.get(id) ?? 0) >= 2).length / 10;
    judged += top.filter((id) => ratings.has(id)).length / 10;
    n++;
  }
  return { queries: n, ndcg10: ndcg / n, p10: p10 / n, judged10: judged / n, perQuery };
}
