import { describe, expect, it } from 'vitest';
import { formDecode, mergeArgs, parseQueryString } from './args.js';

/** What URLSearchParams makes of a query string, as lists of pairs. */
const reference = (raw: string) => [...new URLSearchParams(raw)];

describe('parseQueryString', () => {
  it('decodes keys and values exactly as URLSearchParams does', () => {
    const samples = [
      'a=1&b=2', 'a=1&&b=2&', '&a', 'a', 'a=', '=x', 'a=b=c', 'q=hello+world', 'q=%2B%20%26', 'k%5B%5D=1',
      'bad=%zz', 'bad=%e9', 'mixed=%C3%A9t%C3%A9%', 'half=%C3', 'emoji=%F0%9F%98%80', 'plus+key=v', 'x=%', 'x=%4', 'x=%41%zz%42',
      'json=%5B1%2C%22b%22%5D', 'nul=%00', 'lone=%ED%A0%80',
    ];
    for (const raw of samples) {
      const ours = Object.entries(parseQueryString(raw)).map(([k, v]) => [k, v]);
      const theirs = reference(raw).map(([k, v]) => [k.endsWith('[]') ? k.slice(0, -2) : k, v.startsWith('[') ? JSON.parse(v) : k.endsWith('[]') ? [v] : v]);
      expect(ours, raw).toEqual(theirs);
    }
  });

  it('decodes each form-encoded piece like URLSearchParams', () => {
    for (const piece of ['a+b', '%E2%82%AC', '%', '%%41', '%C3%28', 'plain']) {
      expect(formDecode(piece), piece).toBe([...new URLSearchParams(`k=${piece}`)][0][1]);
    }
  });

  it('makes lists of x[]= and of repeated keys, and decodes JSON lists', () => {
    expect(parseQueryString('p[]=1&p[]=2&r=a&r=b&j=[1,"x"]')).toEqual({ p: ['1', '2'], r: ['a', 'b'], j: [1, 'x'] });
  });
});

describe('mergeArgs', () => {
  it('lets the body win over payload, and payload over the query string', () => {
    const args = mergeArgs(`a=query&b=query&c=query&payload=${encodeURIComponent('{"b":"payload","c":"payload"}')}`, '{"c":"body"}', 64);
    expect({ ...args }).toEqual({ a: 'query', b: 'payload', c: 'body' });
  });

  it('refuses NUL characters and unpaired surrogates, and accepts paired ones', () => {
    expect(() => mergeArgs('q=%00', undefined, 64)).toThrow('Invalid Syntax In Argument: q');
    expect(() => mergeArgs('', '{"q":"\\ud800"}', 64)).toThrow('Invalid Syntax In Argument: q');
    expect(mergeArgs('', '{"q":"\\ud83d\\ude00"}', 64).q).toBe('😀');
  });

  it('takes names of Object.prototype as plain arguments and never sets the prototype', () => {
    const args = mergeArgs('constructor=a&toString=b&toString=c&__proto__=x', '{"__proto__":{"key":"evil"},"hasOwnProperty":"d"}', 64);
    expect(Object.getPrototypeOf(args)).toBe(Object.prototype);
    expect(args.key).toBeUndefined();
    expect({ ...args }).toEqual({ constructor: 'a', toString: ['b', 'c'], hasOwnProperty: 'd' });
    const bodyOnly = mergeArgs('', '{"__proto__":{"key":"evil"},"k":1}', 64);
    expect(bodyOnly.key).toBeUndefined();
    expect(bodyOnly.k).toBe(1);
  });
});
