import { describe, expect, it } from 'vitest';
import { ParsingError } from '../errors.js';
import { ids, int, list, parseArgs, bool, email } from './schemas.js';
import { Issue, v } from './validate.js';

/** The Issue a parse throws (fails the test when it does not throw). */
function issueOf(fn: () => unknown): Issue {
  try {
    fn();
  } catch (err) {
    if (err instanceof Issue) return err;
    throw err;
  }
  throw new Error('expected an Issue');
}

describe('validate', () => {
  it('checks strings with zod 4 wording, trimming and lower-casing first', () => {
    const s = v.string().trim().toLowerCase().min(2).max(4);
    expect(s.parse('  AbC ')).toBe('abc');
    expect(issueOf(() => s.parse(' a ')).message).toBe('Too small: expected string to have >=2 characters');
    expect(issueOf(() => s.parse('abcde')).message).toBe('Too big: expected string to have <=4 characters');
    expect(issueOf(() => s.parse(5)).message).toBe('Invalid input: expected string, received number');
    expect(issueOf(() => v.string().regex(/^x$/, 'only x').parse('y')).message).toBe('only x');
  });

  it('checks numbers: finite, integer, bounds', () => {
    const n = v.number().int().min(1).max(10);
    expect(n.parse(3)).toBe(3);
    expect(issueOf(() => n.parse(0)).message).toBe('Too small: expected number to be >=1');
    expect(issueOf(() => n.parse(11)).message).toBe('Too big: expected number to be <=10');
    expect(issueOf(() => n.parse(1.5)).message).toBe('Invalid input: expected int, received number');
    expect(issueOf(() => v.number().parse(Number.NaN)).message).toBe('Invalid input: expected number, received NaN');
    expect(issueOf(() => v.number().parse(Infinity)).message).toBe('Invalid input: expected number, received number');
    expect(issueOf(() => v.number().parse('3')).message).toBe('Invalid input: expected number, received string');
  });

  it('keeps IDs in the type given and refuses the rest as "Invalid input"', () => {
    const id = v.id();
    expect(id.parse(7)).toBe(7);
    expect(id.parse(' 7 ')).toBe('7');
    for (const bad of [1.5, '', '   ', 'x'.repeat(201), null, true, [1], { id: 1 }]) expect(issueOf(() => id.parse(bad)).message).toBe('Invalid input');
  });

  it('tries union options in order', () => {
    const u = v.union([v.number(), v.string().min(2)]);
    expect(u.parse(1)).toBe(1);
    expect(u.parse('ab')).toBe('ab');
    expect(issueOf(() => u.parse('a')).message).toBe('Invalid input');
  });

  it('skips a union option that rejects the value outright, as if it had thrown (an ID or a sale line)', () => {
    const line = v.object({ id: v.id(), quantity: v.number() });
    const u = v.union([v.id(), line]);
    expect(v.id().rejects({ id: 1 })).toBe(true);
    expect(v.id().rejects('x'.repeat(201))).toBe(false); // only parse knows
    expect(u.parse(' 7 ')).toBe('7');
    expect(u.parse({ id: 7, quantity: 2, extra: 1 })).toEqual({ id: 7, quantity: 2 });
    for (const bad of ['', null, true, [1], { id: 1 }]) expect(issueOf(() => u.parse(bad)).message).toBe('Invalid input');
  });

  it('names where a nested value failed', () => {
    const s = v.object({ products: v.array(v.object({ id: v.id(), qty: v.number().min(1) })) });
    const issue = issueOf(() => s.parse({ products: [{ id: 1, qty: 1 }, { id: 2, qty: 0 }] }));
    expect(issue.path).toEqual(['products', 1, 'qty']);
    expect(issue.message).toBe('Too small: expected number to be >=1');
  });

  it('strips unknown keys, leaves absent optional keys out and fills defaults', () => {
    const s = v.object({ a: v.string(), b: v.number().optional(), c: v.enum(['x', 'y']).default('y') });
    expect(s.parse({ a: 'k', extra: 1 })).toEqual({ a: 'k', c: 'y' });
    expect(Object.keys(s.parse({ a: 'k', b: undefined }))).toEqual(['a', 'c']);
    expect(issueOf(() => s.parse({ a: 'k', c: 'z' })).message).toBe('Invalid option: expected one of "x"|"y"');
    expect(s.required).toEqual(['a']);
  });

  it('checks array lengths before items', () => {
    const a = v.array(v.string()).min(1).max(2);
    expect(issueOf(() => a.parse([])).message).toBe('Too small: expected array to have >=1 items');
    expect(issueOf(() => a.parse(['a', 'b', 'c'])).message).toBe('Too big: expected array to have <=2 items');
    expect(issueOf(() => a.parse('a')).message).toBe('Invalid input: expected array, received string');
  });
});

describe('schemas (Clerk argument pieces)', () => {
  it('reads lists from arrays, comma strings and single values', () => {
    expect(ids().parse('1, 2,x')).toEqual(['1', '2', 'x']);
    expect(ids().parse(5)).toEqual([5]);
    expect(ids().parse([1, '2'])).toEqual([1, '2']);
    expect(list(v.string(), 2).parse('a,b')).toEqual(['a', 'b']);
    expect(issueOf(() => list(v.string(), 2).parse('a,b,c')).message).toBe('Too big: expected array to have <=2 items');
  });

  it('reads numbers and booleans from query-string text', () => {
    expect(int(1, 5).parse('3')).toBe(3);
    expect(bool().parse('false')).toBe(false);
    expect(bool().parse('1')).toBe(true);
    expect(issueOf(() => bool().parse('yes')).message).toBe('Invalid input: expected boolean, received string');
  });

  it('normalises emails', () => {
    expect(email().parse(' Ann@Example.COM ')).toBe('ann@example.com');
    expect(issueOf(() => email().parse('ann@')).message).toBe('Invalid email address');
  });

  it('turns the first issue into a ParsingError naming the argument, a missing one first', () => {
    const schema = v.object({ products: ids(), limit: int(1, 10) });
    expect(parseArgs(schema, { products: '1', limit: '2', key: 'k' })).toEqual({ products: ['1'], limit: 2 });
    const bad = () => parseArgs(schema, { products: [1, 1.5], limit: 3 });
    expect(bad).toThrow(ParsingError);
    expect(bad).toThrow('Invalid Syntax In Argument: products (products[1]: Invalid input)');
    expect(() => parseArgs(schema, { products: [1.5] })).toThrow('Missing Argument limit');
  });
});
