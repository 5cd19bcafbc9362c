/**
 * `npm run eval`: the next-item evaluation of issue 4. Replays a split through the HTTP API of a
 * real server, computes reference methods in-process on the same split, prints a markdown table
 * and stores it in docs/BENCHMARKS.md between the data set's eval markers.
 */
import { machine, writeBenchmarkBlock } from '../bench/lib/report.js';
import { adjacentCoView, itemKnn, pop, quickBlend, vsknn } from './baselines.js';
import { dataPresent, loadSplit, DATA_FILES } from './data.js';
import { replayOverHttp } from './http-replay.js';
import type { Summary } from './metrics.js';
import { evaluateMethod, sessionModelMethod } from './offline.js';

export interface EvalOptions {
  data: keyof typeof DATA_FILES;
  dataDir: string;
  ifPresent: boolean;
  minHr20: number | null;
  write: boolean;
  /** Skip the HTTP replay (in-process methods only: quick tuning). */
  offlineOnly: boolean;
}

interface Row {
  name: string;
  excluded: Summary | null;
  allowed: Summary | null;
}

/** Runs the evaluation; returns the process exit code (0 ok, 1 missing data or below --min-hr20). */
export async function runEval(o: EvalOptions): Promise<number> {
  if (!dataPresent(o.dataDir, o.data)) {
    process.stderr.write(`eval: no ${o.data} data under ${o.dataDir} (expected ${DATA_FILES[o.data].join(', ')})${o.ifPresent ? '; skipped (--if-present)' : ''}\n`);
    return o.ifPresent ? 0 : 1;
  }
  const split = loadSplit(o.dataDir, o.data);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const catalog = new Set([...split.train, ...split.test].flatMap((s) => s.items)).size;
  const rows: Row[] = [];
  let ours: Summary | null = null;
  let notes: string[] = [];
  if (!o.offlineOnly) {
    const http = await replayOverHttp(split, log);
    const comp = http.results.filter((r) => r.name.startsWith('visitor/complementary'));
    ours = comp[1]?.allowed ?? null;
    rows.push({ name: '**Relevo `visitor/complementary`** (HTTP)', excluded: comp[0]?.excluded ?? null, allowed: ours });
    const sub = http.results.filter((r) => r.name.startsWith('substituting'));
    rows.push({ name: 'Relevo `substituting` with `products=[last]` (HTTP)', excluded: sub[0]?.excluded ?? null, allowed: sub[1]?.allowed ?? null });
    notes = [
      `Training clicks sent in ${http.trainSeconds.toFixed(1)} s through \`log/product\`.`,
      ...http.missing.map((m) => `\`${m}\` does not exist on this server yet: n/a.`),
    ];
  }
  log('eval: computing reference methods in-process…');
  rows.push({ ...evaluateMethod(split, sessionModelMethod(split), catalog), name: 'Session model, in-process (same code, no HTTP)' });
  for (const m of [pop(split.train), itemKnn(split.train), vsknn(split.train), adjacentCoView(split.train), quickBlend(vsknn(split.train), adjacentCoView(split.train))]) rows.push(evaluateMethod(split, m, catalog));
  const block = report(o, split.describe, split.train.length, split.test.length, rows, notes);
  process.stdout.write(`\n${block}\n`);
  if (o.write && !o.offlineOnly) writeBenchmarkBlock(`eval:${o.data}`, block);
  if (o.minHr20 !== null) {
    const hr = ours?.hr20 ?? 0;
    if (hr < o.minHr20) {
      process.stderr.write(`eval: HR@20 (seen allowed) ${hr.toFixed(3)} is below --min-hr20 ${o.minHr20}\n`);
      return 1;
    }
    log(`eval: HR@20 (seen allowed) ${hr.toFixed(3)} ≥ ${o.minHr20}`);
  }
  return 0;
}

const f = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(3));
const ms = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '–' : `${x.toFixed(1)}`);

function report(o: EvalOptions, describe: string, train: number, test: number, rows: Row[], notes: string[]): string {
  const cmd = `npm run eval${o.data === 'yoochoose' ? '' : ` -- --data ${o.data}`}`;
  const line = (r: Row) => {
    const e = r.excluded;
    const a = r.allowed;
    const predictions = a?.predictions ?? e?.predictions ?? 0;
    return `| ${r.name} | ${f(e?.hr5)} | ${f(e?.hr20)} | ${f(e?.mrr5)} | ${f(e?.mrr20)} | ${f(a?.hr5)} | ${f(a?.hr20)} | ${f(a?.mrr5)} | ${f(a?.mrr20)} | ${f(a?.coverage20 ?? e?.coverage20)} | ${ms(a?.p50 ?? e?.p50)} / ${ms(a?.p99 ?? e?.p99)} | ${predictions} |`;
  };
  return [
    `_Measured ${new Date().toISOString().slice(0, 10)} with \`${cmd}\` on ${machine()}._`,
    '',
    `${describe}: ${train} training sessions, ${test} test sessions; every prefix of every test session predicts the next click (the click itself is sent first). References are computed by the harness on the same split in the same run (Item-KNN, V-SKNN and POP trained on the training sessions; the adjacent co-view count learns online from the test clicks too, as the server does).`,
    '',
    '| method | HR@5 excl. seen | HR@20 excl. seen | MRR@5 excl. seen | MRR@20 excl. seen | HR@5 | HR@20 | MRR@5 | MRR@20 | coverage@20 | p50 / p99 ms | predictions |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(line),
    '',
    ...notes,
    '',
    '"excl. seen": items of the prefix removed (what a product widget shows; the HTTP row asks with `include_seen` false). The unmarked columns allow repeats (`include_seen: true` for the HTTP rows), the session-rec convention. Latency is per request, measured by the client.',
  ].join('\n');
}

