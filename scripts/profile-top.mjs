#!/usr/bin/env node
// Summarises a V8 .cpuprofile (as `npm run bench -- --profile DIR` writes): self time by file and by function.
// Usage: node scripts/profile-top.mjs FILE.cpuprofile
import { readFileSync } from 'node:fs';
const p = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = new Map();
for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
let total = 0;
const fileSelf = new Map();
for (const [id, t] of dt) {
  const n = byId.get(id);
  const cf = n.callFrame;
  const key = `${cf.functionName || '(anon)'} ${cf.url.replace(/.*\/(node_modules\/)?/, '')}:${cf.lineNumber}`;
  self.set(key, (self.get(key) ?? 0) + t);
  const f = cf.url.includes('node_modules') ? cf.url.replace(/.*node_modules\/((@[^/]+\/)?[^/]+).*/, 'npm:$1') : cf.url.replace(/.*\/work\/main\//, '') || cf.functionName;
  fileSelf.set(f, (fileSelf.get(f) ?? 0) + t);
  total += t;
}
const top = (m, n) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, t]) => `${(100 * t / total).toFixed(1).padStart(5)}%  ${k}`).join('\n');
console.log(`total ${(total / 1e6).toFixed(2)} s\n--- by file\n${top(fileSelf, 25)}\n--- by function\n${top(self, 40)}`);
