/**
 * Foundation benchmarks (issue 2): `product/add` throughput for 20,000 products in batches of
 * 500 on SQLite and PostgreSQL, and the throughput of a minimal /v2/ GET as a ratio to a bare
 * node:http JSON endpoint measured in the same run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, median, runLoad } from './lib/load.js';
import { spawnBare, spawnRelevo, type Child } from './lib/processes.js';
import { createBenchStore, type BenchStore } from './lib/stores.js';
import { loadDemoFeed } from '../src/demo/load.js';

export interface Section {
  title: string;
  markdown: string;
}

/** A synthetic but realistic product: text, price, categories, brand, a few attributes. */
export function makeBenchProduct(i: number): Record<string, unknown> {
  return {
    id: i,
    name: `Product ${i} ${['laptop', 'speaker', 'printer', 'camera', 'monitor'][i % 5]}`,
    description: `A generated product number ${i} for benchmarks, with a sentence of text to index.`,
    price: Math.round((5 + ((i * 7919) % 2000)) * 100) / 100,
    list_price: Math.round((10 + ((i * 7919) % 2000)) * 100) / 100,
    image: `https://bench.example/i/${i}.jpg`,
    url: `https://bench.example/p/${i}`,
    categories: [1 + (i % 40), 100 + (i % 7)],
    brand: `Brand${i % 50}`,
    stock: i % 13,
    created_at: 1700000000 + i * 60,
    colors: [['red', 'blue', 'black'][i % 3]],
  };
}

async function addProducts(base: string, store: BenchStore, total: number, batch: number): Promise<number> {
  const started = process.hrtime.bigint();
  for (let offset = 0; offset < total; offset += batch) {
    const products = Array.from({ length: Math.min(batch, total - offset) }, (_, j) => makeBenchProduct(offset + j));
    const res = await fetch(`${base}/v2/product/add`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: store.publicKey, private_key: store.privateKey, products }),
    });
    if (res.status !== 200) throw new Error(`product/add answered ${res.status}: ${await res.text()}`);
  }
  return total / (Number(process.hrtime.bigint() - started) / 1e9);
}

/** product/add throughput (products/s), median of `runs` fresh databases per backend. */
export async function benchProductAdd(pgUrl: string | null, runs: number): Promise<Section> {
  const rows: string[] = [];
  for (const backend of ['sqlite', 'postgres'] as const) {
    if (backend === 'postgres' && !pgUrl) {
      rows.push('| PostgreSQL | not measured: no server | | |');
      continue;
    }
    const rates: number[] = [];
    for (let r = 0; r < runs; r++) {
      const dir = mkdtempSync(join(tmpdir(), 'relevo-bench-'));
      const url = backend === 'sqlite' ? `sqlite:${join(dir, 'bench.db')}` : `${pgUrl}${pgUrl!.includes('?') ? '&' : '?'}schema=bench_${process.pid}_${r}`;
      const store = await createBenchStore(url);
      const server = await spawnRelevo(url, { RELEVO_DEMO: '0' });
      try {
        rates.push(await addProducts(`http://127.0.0.1:${server.port}`, store, 20000, 500));
      } finally {
        await server.stop();
        await store.drop();
        rmSync(dir, { recursive: true, force: true });
      }
    }
    rows.push(`| ${backend === 'sqlite' ? 'SQLite (WAL, synchronous=FULL)' : 'PostgreSQL'} | ${fmt(median(rates))} | ${rates.map((x) => fmt(x)).join(', ')} | ${fmt(20000 / median(rates), 2)} s |`);
  }
  return {
    title: 'product/add throughput',
    markdown: [
      `20,000 generated products, batches of 500, one client posting batches back to back over HTTP; median of ${runs} runs, each on a fresh database.`,
      '',
      '| store | products/s (median) | runs | 20,000 products in |',
      '| --- | ---: | --- | ---: |',
      ...rows,
    ].join('\n'),
  };
}

/** Minimal /v2/ GET against a bare node:http JSON endpoint, alternating rounds, same run. */
export async function benchHttpRatio(rounds: number, seconds: number, connections: number): Promise<Section> {
  const dir = mkdtempSync(join(tmpdir(), 'relevo-bench-'));
  const relevo: Child = await spawnRelevo(`sqlite:${join(dir, 'bench.db')}`, { RELEVO_DEMO: '1' });
  const bare: Child = await spawnBare('json');
  try {
    const attrs = await fetch(`http://127.0.0.1:${relevo.port}/v2/product/facets?key=demo&attributes=["brand"]`);
    if (attrs.status !== 200) throw new Error('demo store not answering');
    const demoId = firstDemoProduct();
    const relevoUrl = `http://127.0.0.1:${relevo.port}/v2/product/attributes?key=demo&products=${encodeURIComponent(JSON.stringify([demoId]))}&attributes=${encodeURIComponent('["name"]')}`;
    const bareUrl = `http://127.0.0.1:${bare.port}/v2/product/attributes`;
    await runLoad({ url: relevoUrl, connections, seconds: 2 }); // warm-up (JIT)
    await runLoad({ url: bareUrl, connections, seconds: 2 });
    const ours: number[] = [];
    const base: number[] = [];
    const p99: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const b = await runLoad({ url: bareUrl, connections, seconds });
      const o = await runLoad({ url: relevoUrl, connections, seconds });
      if (o.non2xx > 0 || o.errors > 0) throw new Error(`relevo answered ${o.non2xx} non-2xx, ${o.errors} errors`);
      base.push(b.rps);
      ours.push(o.rps);
      p99.push(o.p99);
    }
    const ratios = ours.map((o, i) => o / base[i]);
    return {
      title: 'Minimal /v2/ GET against bare node:http',
      markdown: [
        `\`GET /v2/product/attributes?key=demo&products=[<id>]&attributes=["name"]\` (key lookup, argument merge, schema validation, catalog read, envelope) against a bare \`node:http\` server answering a fixed JSON object. ${connections} keep-alive connections, ${rounds} alternating rounds of ${seconds} s after a warm-up; autocannon runs in the bench process, each server in its own process.`,
        '',
        '| | req/s (median) | per round |',
        '| --- | ---: | --- |',
        `| bare node:http | ${fmt(median(base))} | ${base.map((x) => fmt(x)).join(', ')} |`,
        `| Relevo | ${fmt(median(ours))} | ${ours.map((x) => fmt(x)).join(', ')} |`,
        `| **ratio** (target ≥ 0.7) | **${fmt(median(ratios), 2)}** | ${ratios.map((x) => fmt(x, 2)).join(', ')} |`,
        '',
        `Relevo p99 latency: ${fmt(median(p99), 1)} ms (median over rounds).`,
      ].join('\n'),
    };
  } finally {
    await relevo.stop();
    await bare.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The first product of the demo catalog (the store the server seeds on an empty database). */
function firstDemoProduct(): string | number {
  return (loadDemoFeed().products[0] as { id: string | number }).id;
}
