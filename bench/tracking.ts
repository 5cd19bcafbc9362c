/**
 * Tracking benchmark (issues 3 and 16): `log/click` (and `log/sale` with 3 lines, SQLite) throughput and p99 latency with 50 keep-alive
 * connections, as a ratio to a bare node:http server that parses the same JSON and answers ok
 * without storing it, in alternating rounds of the same run. Every Relevo answer waits for the
 * group commit holding its click, so this measures durable ingest. A third server in the same
 * rounds, the floor (floor-server.ts: the bare server plus Relevo's group commit of the click row
 * and nothing else), shows how much of the gap any durable store costs on this machine. After
 * the rounds the server is stopped and the stored clicks are counted: at least every 2xx answer
 * must be there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type { Section } from './foundation.js';
import { fmt, median } from './lib/load.js';
import { cpuMicros, rssMiB, spawnBare, spawnFloor, spawnRelevo, type Child } from './lib/processes.js';
import { countStoredRecords, createBenchStore } from './lib/stores.js';

const CONNECTIONS = 50;
/** Distinct click bodies cycled through: each request is a different visitor and product. */
const BODY_COUNT = 20_000;

interface Round {
  rps: number;
  p99: number;
  /** Server CPU time (user + system) per answered request, µs; null where /proc is missing. */
  cpuUs: number | null;
  /** Server RSS at the end of the round, MiB. */
  rss: number | null;
  ok: number;
  non2xx: number;
  errors: number;
}

type Kind = 'click' | 'sale';

interface BackendResult {
  label: string;
  kind: Kind;
  bare: Round[];
  /** The durable-click floor (floor-server.ts). */
  floor: Round[];
  relevo: Round[];
  /** 2xx answers of every Relevo load, warm-up included. */
  acknowledged: number;
  stored: number;
}

/** log/click vs bare parse-ok node:http on SQLite, then on PostgreSQL when pgUrl is given. */
export async function benchLogClick(pgUrl: string | null, rounds: number, seconds: number): Promise<Section> {
  const results: BackendResult[] = [];
  // The machine is shared: the load at the start says how much to trust the absolute numbers.
  const notes: string[] = [`1-minute load average at the start: ${loadavg()[0].toFixed(1)}.`];
  const bare = await spawnBare('parse-ok');
  try {
    const dir = mkdtempSync(join(tmpdir(), 'relevo-bench-'));
    try {
      results.push(await measure('click', 'SQLite (WAL, synchronous=FULL)', `sqlite:${join(dir, 'bench.db')}`, `sqlite:${join(dir, 'floor.db')}`, bare, rounds, seconds));
      results.push(await measure('sale', 'SQLite (WAL, synchronous=FULL)', `sqlite:${join(dir, 'sale.db')}`, `sqlite:${join(dir, 'sale-floor.db')}`, bare, rounds, seconds));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    if (pgUrl) {
      const schema = (name: string) => `${pgUrl}${pgUrl.includes('?') ? '&' : '?'}schema=${name}_${process.pid}`;
      results.push(await measure('click', 'PostgreSQL', schema('bench_trk'), schema('bench_floor'), bare, rounds, seconds));
    } else {
      notes.push('PostgreSQL not measured: no server answered.');
    }
  } finally {
    await bare.stop();
  }
  return { title: 'log/click and log/sale against bare node:http (parse JSON, answer ok)', markdown: render(results, notes, rounds, seconds) };
}

/** Request bodies: the i-th click (cycled), or the next new sale (its own ID) of 3 lines. */
function bodyOf(kind: Kind, key: string): (i: number) => string {
  if (kind === 'click') {
    const bodies = Array.from({ length: BODY_COUNT }, (_, i) => JSON.stringify({ key, visitor: `bv${i}`, product: `p${(i * 7919) % BODY_COUNT}` }));
    return (i) => bodies[i % BODY_COUNT];
  }
  const run = `${process.pid}-${Date.now().toString(36)}`;
  let next = 0; // across loads: every request of the run is a new sale
  return () => saleBody(next++);
  function saleBody(i: number): string {
    return JSON.stringify({
      key, sale: `s${run}-${i}`, visitor: `bv${i % BODY_COUNT}`,
      products: [0, 1, 2].map((j) => ({ id: `p${(i * 7919 + j * 104729) % BODY_COUNT}`, price: 10 + j, quantity: 1 + j })),
    });
  }
}

async function measure(kind: Kind, label: string, url: string, floorUrl: string, bare: Child, rounds: number, seconds: number): Promise<BackendResult> {
  const store = await createBenchStore(url);
  const floorStore = await createBenchStore(floorUrl); // its own database: its rows are not counted below
  const floor = await spawnFloor(kind, floorUrl);
  const relevo = await spawnRelevo(url, { RELEVO_DEMO: '0' });
  const bodies = bodyOf(kind, store.publicKey);
  const result: BackendResult = { label, kind, bare: [], floor: [], relevo: [], acknowledged: 0, stored: 0 };
  let stopped = false;
  try {
    const bareUrl = `http://127.0.0.1:${bare.port}/v2/log/${kind}`;
    const relevoUrl = `http://127.0.0.1:${relevo.port}/v2/log/${kind}`;
    const floorUrlHttp = `http://127.0.0.1:${floor.port}/v2/log/${kind}`;
    await loadClicks(bareUrl, bare, bodies, 2); // warm-up (JIT, SQLite page cache)
    await loadClicks(floorUrlHttp, floor, bodies, 2);
    result.acknowledged += (await loadClicks(relevoUrl, relevo, bodies, 2)).ok;
    for (let r = 0; r < rounds; r++) {
      result.bare.push(await loadClicks(bareUrl, bare, bodies, seconds));
      const f = await loadClicks(floorUrlHttp, floor, bodies, seconds);
      if (f.non2xx > 0 || f.errors > 0) throw new Error(`${label}: the floor server answered ${f.non2xx} non-2xx, ${f.errors} errors: ${floor.stderr().slice(-500)}`);
      result.floor.push(f);
      const o = await loadClicks(relevoUrl, relevo, bodies, seconds);
      result.relevo.push(o);
      result.acknowledged += o.ok;
      if (o.non2xx > 0 || o.errors > 0) throw new Error(`${label}: Relevo answered ${o.non2xx} non-2xx, ${o.errors} errors`);
    }
    await relevo.stop(); // graceful: flushes the write buffer
    stopped = true;
    result.stored = await countStored(kind, url);
    if (result.stored < result.acknowledged) throw new Error(`${label}: ${result.acknowledged} ${kind}s acknowledged but only ${result.stored} stored`);
    return result;
  } finally {
    if (!stopped) await relevo.stop();
    await floor.stop();
    await store.drop();
    await floorStore.drop();
  }
}

/** One autocannon load of POST log/* bodies (as runLoad, plus the 2xx count the check needs). */
async function loadClicks(url: string, server: Child, bodyAt: (i: number) => string, seconds: number): Promise<Round> {
  let i = 0;
  const cpuBefore = cpuMicros(server);
  const r = await autocannon({
    url, method: 'POST', connections: CONNECTIONS, duration: seconds,
    headers: { 'content-type': 'application/json' },
    requests: [{ setupRequest: (req: autocannon.Request) => ({ ...req, body: bodyAt(i++) }) }],
  });
  const cpuAfter = cpuMicros(server);
  const cpuUs = cpuBefore === null || cpuAfter === null || r['2xx'] === 0 ? null : (cpuAfter - cpuBefore) / r['2xx'];
  return { rps: r.requests.average, p99: r.latency.p99, cpuUs, rss: rssMiB(server), ok: r['2xx'], non2xx: r.non2xx, errors: r.errors + r.timeouts };
}

/** Clicks or sales in the database (the bench store is the only one there). */
async function countStored(kind: Kind, url: string): Promise<number> {
  const stored = await countStoredRecords(url);
  return kind === 'sale' ? stored.sales : stored.events.get('click') ?? 0;
}

function render(results: BackendResult[], notes: string[], rounds: number, seconds: number): string {
  const list = (xs: number[], digits = 0) => xs.map((x) => fmt(x, digits)).join(', ');
  const cpu = (rs: Round[]) => (rs.every((x) => x.cpuUs !== null) ? fmt(median(rs.map((x) => x.cpuUs!))) : 'n/a');
  const rss = (rs: Round[]) => (rs.every((x) => x.rss !== null) ? fmt(Math.max(...rs.map((x) => x.rss!))) : 'n/a');
  const pg = (b: BackendResult) => b.label === 'PostgreSQL';
  // Targets (issue 16): p99 for log/click only; Relevo/floor 0.8 (click, SQLite), 0.6 (click on PostgreSQL, sale).
  const p99Mark = (b: BackendResult, p99: number) => (b.kind === 'sale' ? '' : p99 <= (pg(b) ? 20 : 10) ? '✓' : '✗');
  const floorTarget = (b: BackendResult) => (b.kind === 'click' && !pg(b) ? 0.8 : 0.6);
  const rows = results.map((b) => {
    const ratios = b.relevo.map((o, i) => o.rps / b.bare[i].rps);
    const p99 = median(b.relevo.map((o) => o.p99));
    return `| log/${b.kind} | ${b.label} | ${fmt(median(b.bare.map((x) => x.rps)))} | ${fmt(median(b.relevo.map((x) => x.rps)))} | ${fmt(median(ratios), 2)} (${list(ratios, 2)}) | ${fmt(p99, 1)} ${p99Mark(b, p99)} (${list(b.relevo.map((o) => o.p99))}) | ${fmt(median(b.bare.map((x) => x.p99)), 1)} | ${cpu(b.relevo)} / ${cpu(b.bare)} | ${rss(b.relevo)} | ${fmt(b.acknowledged)} / ${fmt(b.stored)} |`;
  });
  const floorRows = results.map((b) => {
    const ratios = b.floor.map((f, i) => f.rps / b.bare[i].rps);
    const ofFloor = b.relevo.map((o, i) => o.rps / b.floor[i].rps);
    return `| log/${b.kind} | ${b.label} | ${fmt(median(b.floor.map((x) => x.rps)))} | ${fmt(median(ratios), 2)} (${list(ratios, 2)}) | ${fmt(median(b.floor.map((x) => x.p99)), 1)} | ${cpu(b.floor)} | **${fmt(median(ofFloor), 2)}** ${median(ofFloor) >= floorTarget(b) ? '✓' : '✗'} (${list(ofFloor, 2)}) |`;
  });
  return [
    `\`POST /v2/log/click\` with \`{key, visitor, product}\` bodies (${fmt(BODY_COUNT)} distinct visitors and products, cycled), and \`POST /v2/log/sale\` with a new sale ID per request and 3 lines (\`{key, sale, visitor, products}\`; each sale is attributed against the visitor's clicks, which the sale database does not have), ${CONNECTIONS} keep-alive connections, ${rounds} alternating rounds of ${seconds} s after a 2 s warm-up each. The baseline is a bare \`node:http\` server that reads and parses the same JSON body and answers \`{"status":"ok"}\` without storing it. Relevo answers each click only after the group commit that holds it (SQLite: WAL, \`synchronous=FULL\`). Non-2xx answers: 0 (the run fails otherwise). Medians over rounds; per-round values in brackets. Server CPU per request is the server process's user + system time over a round divided by its 2xx answers: unlike req/s, it hardly depends on what else runs on the machine (it leaves out time blocked in fsync).`,
    '',
    '| endpoint | store | bare req/s | Relevo req/s | ratio | Relevo p99 ms (log/click target ≤ 10 on SQLite, ≤ 20 on PostgreSQL) | bare p99 ms | server CPU µs/request, Relevo / bare (log/click target ≤ 60 on SQLite) | Relevo peak RSS MiB | 2xx answers / records stored |',
    '| --- | --- | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    `The floor, measured in the same rounds: the bare server plus Relevo's group commit of one \`events\` row per click (per sold line for log/sale) (the real schema and indexes, the fsync before the answer) and nothing else: no key lookup, no validation beyond the visitor rule, no gates, impression join, rollups or models (\`bench/floor-server.ts\`, on a database of its own). No implementation that stores the click durably before answering can pass it here; its ratio to bare is the ceiling of the ratio above.`,
    '',
    '| endpoint | store | floor req/s | floor / bare | floor p99 ms | floor CPU µs/request | Relevo / floor (targets: log/click ≥ 0.8 SQLite, ≥ 0.6 PostgreSQL; log/sale ≥ 0.6) |',
    '| --- | --- | ---: | --- | ---: | ---: | --- |',
    ...floorRows,
    ...(notes.length > 0 ? ['', ...notes] : []),
  ].join('\n');
}
