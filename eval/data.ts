/**
 * Evaluation data: the YooChoose 100k time split (train_tr → train_valid) and the Diginetica
 * sample under the SR-GNN preprocessing protocol of its README. Sessions keep their click order;
 * item IDs stay strings as the files spell them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One session: items in click order with unix-second times. */
export interface Session {
  id: string;
  items: string[];
  times: number[];
}

export interface Split {
  name: 'yoochoose' | 'diginetica';
  train: Session[];
  test: Session[];
  /** Human-readable description of the split, for the report. */
  describe: string;
}

/** The data sets the harness knows, relative to the shared data directory. */
export const DATA_FILES = {
  yoochoose: ['yoochoose-100k/yoochoose-clicks-100k_train_tr.txt', 'yoochoose-100k/yoochoose-clicks-100k_train_valid.txt'],
  diginetica: ['diginetica-sample/sample_train-item-views.csv'],
} as const;

/** True when every file of the data set exists under dir. */
export function dataPresent(dir: string, name: keyof typeof DATA_FILES): boolean {
  return DATA_FILES[name].every((f) => existsSync(join(dir, f)));
}

/** Loads a split by name. */
export function loadSplit(dir: string, name: keyof typeof DATA_FILES): Split {
  if (name === 'yoochoose') {
    const [tr, valid] = DATA_FILES.yoochoose.map((f) => readYoochoose(join(dir, f)));
    return { name, train: tr, test: valid, describe: 'YooChoose 100k: train_tr → train_valid' };
  }
  return diginetica(readFileSync(join(dir, DATA_FILES.diginetica[0]), 'utf8'));
}

/** Tab-separated SessionId, ItemId, Time; sorted by session then time. */
function readYoochoose(file: string): Session[] {
  const sessions = new Map<string, Session>();
  const lines = readFileSync(file, 'utf8').split('\n');
  for (let i = 1; i < lines.length; i++) {
    const [sid, item, time] = lines[i].split('\t');
    if (!time) continue;
    let s = sessions.get(sid);
    if (!s) sessions.set(sid, (s = { id: sid, items: [], times: [] }));
    s.items.push(item);
    s.times.push(Number(time));
  }
  return [...sessions.values()];
}

/** The SR-GNN preprocessing (datasets/preprocess.py) of the Diginetica sample. */
export function diginetica(text: string): Split {
  type Row = { item: string; frame: number; date: string };
  const rows = new Map<string, Row[]>();
  for (const line of text.split('\n').slice(1)) {
    const [sid, , item, frame, date] = line.trim().split(';');
    if (!date) continue;
    if (!rows.has(sid)) rows.set(sid, []);
    rows.get(sid)!.push({ item, frame: Number(frame), date });
  }
  // The session date is that of its last row in file order, before sorting by timeframe.
  let sessions = [...rows].map(([id, rs]) => ({ id, date: rs[rs.length - 1].date, rows: [...rs].sort((a, b) => a.frame - b.frame) }));
  sessions = sessions.filter((s) => s.rows.length > 1);
  const counts = new Map<string, number>();
  for (const s of sessions) for (const r of s.rows) counts.set(r.item, (counts.get(r.item) ?? 0) + 1);
  sessions = sessions.map((s) => ({ ...s, rows: s.rows.filter((r) => (counts.get(r.item) ?? 0) >= 5) })).filter((s) => s.rows.length >= 2);
  const day = (d: string) => Date.parse(`${d}T00:00:00Z`) / 1000;
  const maxDate = Math.max(...sessions.map((s) => day(s.date)));
  const split = maxDate - 7 * 86400;
  const toSession = (s: (typeof sessions)[number]): Session => ({
    id: s.id, items: s.rows.map((r) => r.item), times: s.rows.map((r) => day(s.date) + r.frame / 1000),
  });
  const train = sessions.filter((s) => day(s.date) < split).sort((a, b) => day(a.date) - day(b.date)).map(toSession);
  const known = new Set(train.flatMap((s) => s.items));
  const test = sessions
    .filter((s) => day(s.date) > split)
    .map(toSession)
    .map((s) => {
      const keep = s.items.map((it) => known.has(it));
      return { id: s.id, items: s.items.filter((_, i) => keep[i]), times: s.times.filter((_, i) => keep[i]) };
    })
    .filter((s) => s.items.length >= 2);
  return { name: 'diginetica', train, test, describe: 'Diginetica sample, SR-GNN protocol (last 7 days → test)' };
}

/** Every session's events in global time order (what a shop's tracking would send). */
export function eventsInTimeOrder(sessions: Session[]): Array<{ session: string; item: string; time: number }> {
  return sessions
    .flatMap((s) => s.items.map((item, i) => ({ session: s.id, item, time: s.times[i], i })))
    .sort((a, b) => a.time - b.time || a.i - b.i);
}

/** Test sessions ordered by their first click (the order the harness replays them in). */
export function byStart(sessions: Session[]): Session[] {
  return [...sessions].sort((a, b) => a.times[0] - b.times[0]);
}
