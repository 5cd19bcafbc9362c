import v8 from 'node:v8';
import { pino } from 'pino';
import { openStorage } from '/work/main/dist/src/storage/open.js';
import { Models } from '/work/main/dist/src/recommend/models.js';
import { SessionModel } from '/work/main/dist/src/recommend/session-model.js';
import { SearchLearning } from '/work/main/dist/src/search/learning.js';
import { registerProductModels } from '/work/main/dist/src/recommend/register.js';
const storage = await openStorage('sqlite:/tmp/su/rec.db');
const models = new Models(pino({ level: 'silent' }));
models.register('session', () => new SessionModel());
models.register('search-learning', () => new SearchLearning());
registerProductModels(models);
let t = performance.now();
await models.rebuild(storage);
console.log('rebuild', (performance.now() - t).toFixed(0));
const comps = {};
models.of(1).each((c) => { comps[c.constructor.name] = c; });
for (const [name, c] of Object.entries(comps)) {
  t = performance.now();
  const state = name === 'SessionModel' ? { index: c.index, keys: c.keys, tracks: c.tracks, byItem: c.byItem, next: c.next, prev: c.prev, bought: c.bought, counts: c.counts, damping: c.damping, clock: c.clock, touched: c.touched } : c;
  const buf = v8.serialize(state);
  const ser = performance.now() - t;
  t = performance.now();
  v8.deserialize(buf);
  console.log(name, 'bytes', buf.length, 'ser', ser.toFixed(0), 'de', (performance.now() - t).toFixed(0));
}
await storage.close();
