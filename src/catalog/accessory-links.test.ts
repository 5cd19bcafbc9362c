import { describe, expect, it } from 'vitest';
import type { Doc } from '../storage/ports.js';
import { AccessoryIndex, linkDoc, unlinkPlan } from './accessory-links.js';

const docs = (...list: Doc[]) => new Map(list.map((d) => [String(d.product), d]));

describe('AccessoryIndex', () => {
  it('links accessories both ways, own links first, and directed ones one way', () => {
    const index = new AccessoryIndex(docs(linkDoc(1, [2, 3], [4]), linkDoc(5, [1], [])));
    expect(index.of('1')).toEqual({ accessories: [{ key: '2', id: 2 }, { key: '3', id: 3 }, { key: '5', id: 5 }], directed: [{ key: '4', id: 4 }] });
    expect(index.of('2')).toEqual({ accessories: [{ key: '1', id: 1 }], directed: [] });
    expect(index.of('4')).toEqual({ accessories: [], directed: [] });
    expect(index.linkedFrom(['1', '2'])).toEqual(['3', '5', '4']);
  });

  it('keeps a link declared on both sides once', () => {
    const index = new AccessoryIndex(docs(linkDoc(1, [2], []), linkDoc(2, [1], [])));
    expect(index.of('1').accessories).toEqual([{ key: '2', id: 2 }]);
    expect(index.of('2').accessories).toEqual([{ key: '1', id: 1 }]);
  });
});

describe('unlinkPlan', () => {
  it('removes the products’ own documents and rewrites or removes every document naming them', () => {
    const map = docs(linkDoc(1, [2, 3], []), linkDoc(4, [], [2]), linkDoc(2, [], [5]), linkDoc(6, [7], []));
    const plan = unlinkPlan(map, new AccessoryIndex(map), ['2']);
    expect(plan).toEqual({ upserts: [{ key: '1', doc: { product: 1, accessories: [3] } }], removals: ['2', '4'] });
    expect(unlinkPlan(map, new AccessoryIndex(map), ['99'])).toEqual({ upserts: [], removals: [] });
  });
});
