#!/usr/bin/env node
/**
 * Builds src/demo/catalog.json, the demo store's catalog, from the Chorus/Icecat product dump
 * (../shared/data/chorus-icecat/1.json.zip; see src/demo/README.md for source and licences).
 *
 * Deterministic: the same input always gives byte-identical output, so the fixture can be
 * regenerated and diffed. Usage: node scripts/make-demo-fixture.mjs [path/to/1.json.zip]
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const zip = process.argv[2] ?? join(root, '..', 'shared', 'data', 'chorus-icecat', '1.json.zip');
const out = join(root, 'src', 'demo', 'catalog.json');

// Icecat's `attr_t_type` is the nearest thing to a category, but its values are terse
// ("Original" means original toner/ink); several map to one shop category with a readable name.
// `keywords` are search synonyms a shop would add (a customer types "laptop", not "PC").
const PARENTS = [
  { id: 1, name: 'Printing' },
  { id: 2, name: 'Computers' },
  { id: 3, name: 'Audio & Video' },
  { id: 4, name: 'Accessories' },
];
const LEAVES = [
  { name: 'Toner & Ink Cartridges', parent: 1, types: ['Original'], keywords: ['toner', 'ink', 'cartridge', 'original'] },
  { name: 'Compatible Cartridges', parent: 1, types: ['Compatible'], keywords: ['toner', 'cartridge', 'compatible'] },
  { name: 'Fax Supplies', parent: 1, types: ['Fax ribbon', 'Fax cartridge + ribbon'], keywords: ['fax', 'ribbon'] },
  { name: 'POS Printers', parent: 1, types: ['POS printer'], keywords: ['receipt printer', 'pos'] },
  { name: 'Notebooks & PCs', parent: 2, types: ['PC'], keywords: ['laptop', 'notebook', 'computer'] },
  { name: 'Hard Drives', parent: 2, types: ['HDD'], keywords: ['hdd', 'hard disk', 'storage'] },
  { name: 'Cooling', parent: 2, types: ['Fan', 'Cooler', 'Radiator'], keywords: ['fan', 'cooler', 'heatsink'] },
  { name: 'Server Chassis', parent: 2, types: ['Server'], keywords: ['server', 'chassis', 'case'] },
  { name: 'Server Racks', parent: 2, types: ['Freestanding rack'], keywords: ['rack', 'cabinet', 'enclosure'] },
  { name: 'Keyboards', parent: 2, types: ['Keyboard'], keywords: ['keyboard'] },
  { name: 'MP3 & MP4 Players', parent: 3, types: ['MP3 player', 'MP4 player'], keywords: ['mp3', 'music player', 'audio player'] },
  { name: 'AV Extenders', parent: 3, types: ['AV transmitter & receiver', 'AV transmitter'], keywords: ['hdmi', 'video extender', 'transmitter'] },
  { name: 'Batteries', parent: 4, types: ['Battery'], keywords: ['battery', 'laptop battery'] },
  { name: 'Blank CDs', parent: 4, types: ['CD-R', 'CD-RW'], keywords: ['cd', 'blank media', 'disc'] },
  { name: 'Blank DVDs', parent: 4, types: ['DVD-R', 'DVD+R', 'DVD-RW', 'DVD+RW', 'DVD+R DL'], keywords: ['dvd', 'blank media', 'disc'] },
  { name: 'Privacy Filters', parent: 4, types: ['Frameless display privacy filter'], keywords: ['privacy screen', 'screen filter'] },
];
// Toner dominates the dump (872 of ~1,200 typed products); keep every k-th so it stays one
// category among sixteen, about 300 products in all.
const TARGET_PER_BIG_CATEGORY = 90;
const SHOP = 'https://demo.relevo.dev';

const slug = (s) => s.toLowerCase().replace(/&/g, 'and').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

// FNV-1a: a stable pseudo-random number per product for stock and the odd sale.
function hash(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

function unixSeconds(iso, id) {
  const t = Date.parse(iso ?? '');
  // Fallback: a fixed date minus up to ~3 years, spread by the ID.
  return Number.isFinite(t) ? Math.floor(t / 1000) : 1262304000 - (hash(id) % 1000) * 86400;
}

function toProduct(p, categoryId, keywords) {
  const price = Math.round(p.price) / 100; // Chorus prices are integer cents
  const h = hash(p.id);
  const product = {
    id: p.id,
    name: p.title,
    description: p.short_description?.trim() || p.title,
    brand: p.supplier,
    sku: p.name,
    price,
  };
  // One product in eight is on sale: the list price is what it cost before the discount.
  if (h % 8 === 0) Object.assign(product, { list_price: Math.round(price * 125) / 100, on_sale: true });
  Object.assign(product, {
    image: (p.img_500x500 || p.img_high).replace(/^http:/, 'https:'),
    url: `${SHOP}/p/${p.id}`,
    categories: [categoryId],
    created_at: unixSeconds(p.date_released, p.id),
    stock: h % 51,
    keywords,
  });
  if (p.attr_t_product_colour) product.colour = p.attr_t_product_colour.split(',').map((c) => c.trim()).filter(Boolean);
  if (typeof p.attr_n_weight === 'number') product.weight_g = p.attr_n_weight;
  if (typeof p.attr_n_quantity_per_pack === 'number') product.pack_size = p.attr_n_quantity_per_pack;
  return product;
}

function main() {
  const all = JSON.parse(execFileSync('unzip', ['-p', zip], { maxBuffer: 256 << 20, encoding: 'utf8' }));
  const usable = all
    .filter((p) => p.title && Number.isInteger(p.price) && p.price > 0 && (p.img_500x500 || p.img_high) && p.attr_t_type)
    .sort((a, b) => Number(a.id) - Number(b.id) || a.id.localeCompare(b.id));

  const categories = PARENTS.map((c) => ({ id: c.id, name: c.name, url: `${SHOP}/c/${slug(c.name)}`, subcategories: [] }));
  const products = [];
  LEAVES.forEach((leaf, i) => {
    const id = 101 + i;
    const parent = categories.find((c) => c.id === leaf.parent);
    parent.subcategories.push(id);
    categories.push({ id, name: leaf.name, url: `${SHOP}/c/${slug(leaf.name)}`, subcategories: [], parent: leaf.parent });
    const members = usable.filter((p) => leaf.types.includes(p.attr_t_type));
    const k = Math.max(1, Math.ceil(members.length / TARGET_PER_BIG_CATEGORY));
    for (const p of members.filter((_, j) => j % k === 0)) products.push(toProduct(p, id, leaf.keywords));
  });
  products.sort((a, b) => Number(a.id) - Number(b.id));

  const feed = {
    name: 'Relevo Demo Electronics',
    currency: 'EUR',
    attribution: 'Product data © Icecat (icecat.biz), Open Content License; prices added by the Chorus project (github.com/querqy/chorus, Apache-2.0)',
    created: Math.max(...products.map((p) => p.created_at)),
    strict: true,
    categories,
    products,
  };
  // One record per line: small, and a regenerated fixture diffs line by line.
  const lines = (items) => items.map((x) => JSON.stringify(x)).join(',\n');
  const head = Object.entries(feed)
    .filter(([k]) => k !== 'categories' && k !== 'products')
    .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`)
    .join(',\n');
  const text = `{${head},\n"categories":[\n${lines(categories)}\n],\n"products":[\n${lines(products)}\n]}\n`;
  JSON.parse(text); // never write a broken fixture
  writeFileSync(out, text);
  const perLeaf = categories.filter((c) => c.parent).map((c) => `${c.name} ${products.filter((p) => p.categories[0] === c.id).length}`);
  process.stderr.write(`wrote ${out}: ${products.length} products, ${categories.length} categories, ${text.length} bytes\n${perLeaf.join(', ')}\n`);
}

main();
