#!/usr/bin/env node
// Inclusive time of each function in a V8 .cpuprofile (as `npm run bench -- --profile DIR` writes), as a share
// of the busy (non-idle) time: a sample counts once for every function on its stack.
// Usage: node scripts/profile-inclusive.mjs FILE.cpuprofile [NAME_PATTERN] [HOW_MANY]
// e.g. `products search-service` is search/search's share, `visitorComplementary` the recommendations'.
import { readFileSync } from 'node:fs';
const p = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const dt = new Map();
for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
const incl = new Map(); let total = 0; let idle = 0;
for (const [id, t] of dt) {
  total += t;
  const seen = new Set();
  for (let x = id; x !== undefined; x = parent.get(x)) {
    const cf = byId.get(x).callFrame;
    if (cf.functionName === '(idle)') idle += t;
    const k = `${cf.functionName || '(anon)'} ${cf.url.replace(/.*\//, '')}:${cf.lineNumber}`;
    if (seen.has(k)) continue; seen.add(k);
    incl.set(k, (incl.get(k) ?? 0) + t);
  }
}
const busy = total - idle;
const filter = process.argv[3] ? new RegExp(process.argv[3]) : null;
console.log(`busy ${(busy / 1e6).toFixed(2)} s of ${(total / 1e6).toFixed(2)}`);
console.log([...incl].filter(([k]) => !filter || filter.test(k)).sort((a, b) => b[1] - a[1]).slice(0, Number(process.argv[4] ?? 50)).map(([k, t]) => `${(100 * t / busy).toFixed(1).padStart(5)}%  ${k}`).join('\n'));
