import { describe, expect, it } from 'vitest';
import { ParsingError } from '../errors.js';
import {
  compileFilter,
  makeFilter,
  parseFilter,
  type FilterContext,
  MAX_FILTER_DEPTH,
  MAX_FILTER_LENGTH,
} from './filter.js';

// Category tree: 1 → {2, 3}, 2 → {4}; 5 stands alone.
const TREE: Record<string, string[]> = { '1': ['2', '3'], '2': ['4'], '3': [], '4': [], '5': [] };
function descendants(id: string): Set<string> {
  const out = new Set<string>([id]);
  for (const child of TREE[id] ?? []) for (const d of descendants(child)) out.add(d);
  return out;
}
const ctx: FilterContext = { categoryDescendants: descendants };

const PRODUCTS: Record<string, unknown>[] = [
  { id: 1, name: 'Desk Lamp', price: 24.5, brand: 'Acme', categories: [4], colors: ['Red', 'blue'],
    on_sale: true, stock: 3, sku: 'AB-100' },
  { id: '2', name: 'Floor lamp', price: '80', brand: 'acme', categories: [3], colors: 'green',
    on_sale: false, stock: 0 },
  { id: 3, name: 'Chair', price: 150, brand: 'Globex', categories: [5], colors: [], on_sale: 'true',
    sku: 'CH-1', tags: { a: 1 } },
  { id: 'x-4', name: 'O\'Brien\'s "best" table', price: 'n/a', categories: ['2'], stock: -2, brand: null },
  { id: 5, price: 19.99, categories: [1, 5] },
];
const ALL = [1, '2', 3, 'x-4', 5];

function ids(filter: string, docs = PRODUCTS): unknown[] {
  const pred = compileFilter(parseFilter(filter), ctx);
  return docs.filter(pred).map((d) => d.id);
}

describe('parseFilter: AST', () => {
  it('parses every operator', () => {
    const ops = ['=', '!=', '>', '>=', '<', '<=', 'contains', 'CONTAINS'];
    for (const op of ops) {
      expect(parseFilter(`a ${op} 1`)).toEqual({
        type: 'compare', attribute: 'a', op: op.toLowerCase(), value: 1,
      });
    }
    expect(parseFilter('a in [1, "b", true]')).toEqual({
      type: 'compare', attribute: 'a', op: 'in', value: [1, 'b', true],
    });
    expect(parseFilter('a NOT IN []')).toEqual({ type: 'compare', attribute: 'a', op: 'not in', value: [] });
  });

  it('needs no spaces around symbolic operators', () => {
    expect(parseFilter('price>=20 and price<80')).toEqual({
      type: 'and',
      children: [
        { type: 'compare', attribute: 'price', op: '>=', value: 20 },
        { type: 'compare', attribute: 'price', op: '<', value: 80 },
      ],
    });
  });

  it('binds and tighter than or', () => {
    expect(parseFilter('a = 1 or b = 2 and c = 3 or d = 4')).toEqual({
      type: 'or',
      children: [
        { type: 'compare', attribute: 'a', op: '=', value: 1 },
        {
          type: 'and',
          children: [
            { type: 'compare', attribute: 'b', op: '=', value: 2 },
            { type: 'compare', attribute: 'c', op: '=', value: 3 },
          ],
        },
        { type: 'compare', attribute: 'd', op: '=', value: 4 },
      ],
    });
  });

  it('lets parentheses override precedence', () => {
    expect(parseFilter('(a = 1 Or b = 2) AND c = 3')).toEqual({
      type: 'and',
      children: [
        {
          type: 'or',
          children: [
            { type: 'compare', attribute: 'a', op: '=', value: 1 },
            { type: 'compare', attribute: 'b', op: '=', value: 2 },
          ],
        },
        { type: 'compare', attribute: 'c', op: '=', value: 3 },
      ],
    });
    expect(parseFilter('((a = 1))')).toEqual({ type: 'compare', attribute: 'a', op: '=', value: 1 });
  });

  it('reads numbers, negatives, decimals, booleans and quoted strings', () => {
    const value = (f: string) => (parseFilter(f) as { value: unknown }).value;
    expect(value('a = 25')).toBe(25);
    expect(value('a = 19.99')).toBe(19.99);
    expect(value('a = -3')).toBe(-3);
    expect(value('a = -0.5')).toBe(-0.5);
    expect(value('a = TRUE')).toBe(true);
    expect(value('a = false')).toBe(false);
    expect(value("a = 'single'")).toBe('single');
    expect(value('a = "double"')).toBe('double');
    expect(value("a = 'it\\'s'")).toBe("it's");
    expect(value('a = "say \\"hi\\""')).toBe('say "hi"');
    expect(value("a = 'back\\\\slash'")).toBe('back\\slash');
    expect(value("a = 'tab\\there\\nnl'")).toBe('tab\there\nnl');
    expect(value('a = "it\'s"')).toBe("it's");
    expect(value("a = ''")).toBe('');
    expect(value("a = 'and or ( ] ,'")).toBe('and or ( ] ,');
    expect(value('a = 12345678901234567890')).toBe('12345678901234567890');
  });

  it('accepts attribute names of letters, digits and underscores', () => {
    expect(parseFilter('list_price_2 > 0')).toMatchObject({ attribute: 'list_price_2' });
    expect(parseFilter('2nd_color = 1')).toMatchObject({ attribute: '2nd_color' });
  });
});

describe('parseFilter: errors', () => {
  const cases: [string, number, string][] = [
    ['price >', 7, 'a value'],
    ['price >> 3', 7, 'a value'],
    ['(a = 1', 6, "'and', 'or' or ')'"],
    ['a in [1,', 8, 'a value'],
    ["'unterminated", 0, "a closing ' for the string"],
    ['a = 1 and', 9, 'an attribute'],
    ['= 3', 0, 'an attribute'],
    ['a between 3', 2, 'an operator'],
    ['', 0, 'an attribute'],
    ['   ', 3, 'an attribute'],
    ['price', 5, 'an operator'],
    ['a = 1 b = 2', 6, "'and', 'or' or end of filter"],
    ['a = 1)', 5, "'and', 'or' or end of filter"],
    ['a = brand', 4, 'a value'],
    ['a = [1]', 4, "a single value (lists only follow 'in')"],
    ['a in 1', 5, "'['"],
    ['a in [1 2]', 8, "',' or ']'"],
    ['a in [1,]', 8, 'a value'],
    ['a in [[1]]', 6, "a single value (lists only follow 'in')"],
    ['a not 3', 6, "'in' after 'not'"],
    ['a == 1', 3, 'a value'],
    ['a = 1 & b = 2', 6, "'and', 'or' or end of filter"],
    ['a = $', 4, 'a value'],
    ['a = 12abc', 4, 'a value'],
    ['a = - 1', 4, 'a value'],
    ['a = "open', 4, 'a closing " for the string'],
    ["a = 'ends with backslash\\", 4, "a closing ' for the string"],
    ['a.b = 1', 1, 'an operator'],
  ];
  it.each(cases)('%j fails at position %i', (filter, position, expected) => {
    let error: unknown;
    try {
      parseFilter(filter);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ParsingError);
    const message = (error as ParsingError).message;
    expect(message.startsWith('Invalid Syntax In Argument: filter (')).toBe(true);
    expect(message).toContain(`(expected ${expected} at position ${position}: `);
  });

  it('spells the whole message with a caret excerpt', () => {
    expect(() => parseFilter('price > ')).toThrow(
      'Invalid Syntax In Argument: filter (expected a value at position 8: "price > ^")',
    );
    expect(() => parseFilter('price >> 3')).toThrow(
      'Invalid Syntax In Argument: filter (expected a value at position 7: "price >^> 3")',
    );
    expect(() => parseFilter("'unterminated")).toThrow(
      'Invalid Syntax In Argument: filter (expected a closing \' for the string at position 0: "^\'unterminated")',
    );
  });

  it('shortens the excerpt around the position of a long filter', () => {
    const filter = `${'a = 1 and '.repeat(10)}b >> 2 and ${'c = 3 and '.repeat(5)}d = 4`;
    expect(() => parseFilter(filter)).toThrow(
      'Invalid Syntax In Argument: filter (expected a value at position 103: ' +
        '"… 1 and a = 1 and a = 1 and b >^> 2 and c = 3 and c …")',
    );
  });

  it(`limits nesting to ${MAX_FILTER_DEPTH} parentheses`, () => {
    const nested = (n: number) => `${'('.repeat(n)}a = 1${')'.repeat(n)}`;
    expect(parseFilter(nested(MAX_FILTER_DEPTH))).toEqual({ type: 'compare', attribute: 'a', op: '=', value: 1 });
    expect(() => parseFilter(nested(MAX_FILTER_DEPTH + 1))).toThrow(ParsingError);
    expect(() => parseFilter(nested(MAX_FILTER_DEPTH + 1))).toThrow(
      `(expected at most ${MAX_FILTER_DEPTH} nested parentheses at position ${MAX_FILTER_DEPTH}: `,
    );
    expect(() => parseFilter('('.repeat(100_000))).toThrow(ParsingError);
  });

  it(`limits length to ${MAX_FILTER_LENGTH} characters`, () => {
    const atLimit = `a = '${'x'.repeat(MAX_FILTER_LENGTH - 6)}'`;
    expect(atLimit).toHaveLength(MAX_FILTER_LENGTH);
    expect(parseFilter(atLimit)).toMatchObject({ attribute: 'a' });
    expect(() => parseFilter(`${atLimit} `)).toThrow(ParsingError);
    expect(() => parseFilter(`${atLimit} `)).toThrow(
      `(expected at most ${MAX_FILTER_LENGTH} characters at position ${MAX_FILTER_LENGTH}: `,
    );
  });

  it('handles long flat chains without deep recursion', () => {
    const chain = Array.from({ length: 800 }, (_, i) => `id = ${i}`).join(' or ');
    expect(chain.length).toBeLessThanOrEqual(MAX_FILTER_LENGTH);
    const pred = compileFilter(parseFilter(chain), ctx);
    expect(pred({ id: 799 })).toBe(true);
    expect(pred({ id: 800 })).toBe(false);
  });
});

describe('compileFilter: operators', () => {
  it('= compares as case-insensitive text when either side is a string', () => {
    expect(ids("brand = 'ACME'")).toEqual([1, '2']);
    expect(ids("sku = \"ab-100\"")).toEqual([1]);
    expect(ids('id = 1')).toEqual([1]);
    expect(ids("id = '1'")).toEqual([1]);
    expect(ids('id = 2')).toEqual(['2']);
    expect(ids("id = '2'")).toEqual(['2']);
    expect(ids("id = 'X-4'")).toEqual(['x-4']);
    expect(ids('price = 80')).toEqual(['2']);
    expect(ids('price = 24.50')).toEqual([1]);
    expect(ids('price = 19.99')).toEqual([5]);
  });

  it('keeps long integer IDs exact', () => {
    const docs = [{ id: '12345678901234567890' }, { id: '12345678901234567000' }];
    expect(ids('id = 12345678901234567890', docs)).toEqual(['12345678901234567890']);
  });

  it('!= is the negation of =, including on missing and null attributes', () => {
    expect(ids("brand != 'acme'")).toEqual([3, 'x-4', 5]);
    expect(ids('id != 1')).toEqual(['2', 3, 'x-4', 5]);
  });

  it('> >= < <= are numeric and coerce numeric strings', () => {
    expect(ids('price > 24.5')).toEqual(['2', 3]);
    expect(ids('price >= 24.5')).toEqual([1, '2', 3]);
    expect(ids('price < 24.5')).toEqual([5]);
    expect(ids('price <= 24.5')).toEqual([1, 5]);
    expect(ids("price > '20'")).toEqual([1, '2', 3]);
    expect(ids('stock > -1')).toEqual([1, '2']);
    expect(ids('stock < -1')).toEqual(['x-4']);
    expect(ids('stock = -2')).toEqual(['x-4']);
  });

  it('ordered comparisons never match non-numeric values', () => {
    expect(ids("price > 'abc'")).toEqual([]);
    expect(ids('price < true')).toEqual([]);
    expect(ids('on_sale > 0')).toEqual([]);
    expect(ids("name > 'a'")).toEqual([]);
  });

  it('in / not in test any of the listed values', () => {
    expect(ids('brand in [\'globex\', "Acme"]')).toEqual([1, '2', 3]);
    expect(ids('brand not in [\'globex\', "Acme"]')).toEqual(['x-4', 5]);
    expect(ids("id in [1, '2', 5]")).toEqual([1, '2', 5]);
    expect(ids('id in []')).toEqual([]);
    expect(ids('id not in []')).toEqual(ALL);
  });

  it('booleans match booleans and their text', () => {
    expect(ids('on_sale = true')).toEqual([1, 3]);
    expect(ids('on_sale = FALSE')).toEqual(['2']);
    expect(ids('on_sale != true')).toEqual(['2', 'x-4', 5]);
    expect(ids('on_sale = 1')).toEqual([]);
  });

  it('contains is a case-insensitive substring test on strings', () => {
    expect(ids("name contains 'LAMP'")).toEqual([1, '2']);
    expect(ids('name contains "\\"best\\""')).toEqual(['x-4']);
    expect(ids('stock contains 3')).toEqual([1]);
  });
});

describe('compileFilter: list attributes', () => {
  it('= and contains test membership, not substrings', () => {
    expect(ids("colors = 'red'")).toEqual([1]);
    expect(ids("colors contains 'RED'")).toEqual([1]);
    expect(ids("colors contains 're'")).toEqual(['2']); // '2' has the plain string 'green'
    expect(ids("colors = 'green'")).toEqual(['2']);
  });

  it('!= means not a member; empty lists hold nothing', () => {
    expect(ids("colors != 'red'")).toEqual(['2', 3, 'x-4', 5]);
  });

  it('in is any overlap, not in is no overlap', () => {
    expect(ids("colors in ['BLUE', 'green']")).toEqual([1, '2']);
    expect(ids("colors not in ['BLUE', 'green']")).toEqual([3, 'x-4', 5]);
  });

  it('ordered comparisons hold when any member does', () => {
    const docs = [{ id: 'a', sizes: [36, 38] }, { id: 'b', sizes: [40, '44'] }, { id: 'c', sizes: [] }];
    expect(ids('sizes > 39', docs)).toEqual(['b']);
    expect(ids('sizes >= 44', docs)).toEqual(['b']);
    expect(ids('sizes < 37', docs)).toEqual(['a']);
  });
});

describe('compileFilter: categories', () => {
  it('=, in and contains include every descendant category', () => {
    expect(ids('categories = 1')).toEqual([1, '2', 'x-4', 5]);
    expect(ids('categories in [2]')).toEqual([1, 'x-4']);
    expect(ids("categories contains '3'")).toEqual(['2']);
    expect(ids('categories = 5')).toEqual([3, 5]);
    expect(ids('categories in [3, 5]')).toEqual(['2', 3, 5]);
    expect(ids('categories = 4')).toEqual([1]);
  });

  it('!= and not in exclude the whole subtree', () => {
    expect(ids('categories != 2')).toEqual(['2', 3, 5]);
    expect(ids('categories not in [1]')).toEqual([3]);
  });

  it('matches category IDs unknown to the tree by themselves', () => {
    expect(ids('categories = 99', [{ id: 'a', categories: [99] }])).toEqual(['a']);
  });

  it('asks the context once per literal, at compile time', () => {
    const asked: string[] = [];
    const counting: FilterContext = { categoryDescendants: (id) => (asked.push(id), descendants(id)) };
    const pred = compileFilter(parseFilter("categories in [1, '5'] or categories = 2"), counting);
    PRODUCTS.forEach((p) => pred(p));
    expect(asked).toEqual(['1', '5', '2']);
    expect(compileFilter(parseFilter('brand = 1'), counting)).toBeTypeOf('function');
    expect(asked).toHaveLength(3);
  });
});

describe('compileFilter: missing and unfilterable attributes', () => {
  it('positive comparisons on a missing attribute match nothing', () => {
    for (const op of ["= 'women'", "contains 'w'", '> 1', '>= 1', '< 1', '<= 1', "in ['women']"]) {
      expect(ids(`gender ${op}`)).toEqual([]);
    }
  });

  it('!= and not in on a missing attribute match everything', () => {
    expect(ids("gender != 'women'")).toEqual(ALL);
    expect(ids("gender not in ['women']")).toEqual(ALL);
  });

  it('null counts as missing', () => {
    expect(ids("brand = 'null'")).toEqual([]);
    expect(ids("brand not in ['acme', 'globex']")).toEqual(['x-4', 5]);
  });

  it('objects cannot be filtered on', () => {
    expect(ids('tags = 1')).toEqual([]);
    expect(ids("tags contains 'a'")).toEqual([]);
    expect(ids('tags != 1')).toEqual(ALL);
  });

  it('never reads inherited properties', () => {
    expect(ids("constructor contains 'function'")).toEqual([]);
    expect(ids('toString != 1')).toEqual(ALL);
  });
});

describe('compileFilter: combinations', () => {
  it('and binds tighter than or', () => {
    expect(ids("price > 100 or brand = 'acme' and stock > 0")).toEqual([1, 3]);
    expect(ids("(price > 100 or brand = 'acme') and stock > 0")).toEqual([1]);
    expect(ids("brand = 'acme' AND stock > 0 Or id = 5")).toEqual([1, 5]);
  });

  it('runs the spec examples', () => {
    expect(ids('price >= 20 and price < 80')).toEqual([1]);
    expect(ids('brand in [\'Acme\', "Globex"] and stock > 0')).toEqual([1]);
    expect(ids("colors contains 'red' or on_sale = true")).toEqual([1, 3]);
    expect(ids("(categories in [2] or gender = 'women') and brand != 'Acme'")).toEqual(['x-4']);
    expect(ids('sku = "AB-100"')).toEqual([1]);
  });

  it('matches quoted strings with escapes', () => {
    expect(ids('name = "O\'Brien\'s \\"best\\" table"')).toEqual(['x-4']);
    expect(ids("name = 'o\\'brien\\'s \"BEST\" table'")).toEqual(['x-4']);
  });
});

describe('makeFilter', () => {
  it('is null without a filter', () => {
    expect(makeFilter(undefined, ctx)).toBeNull();
    expect(makeFilter('', ctx)).toBeNull();
  });

  it('parses and compiles', () => {
    const pred = makeFilter('stock > 0', ctx);
    expect(PRODUCTS.filter(pred!).map((p) => p.id)).toEqual([1]);
  });

  it('rejects whitespace-only and malformed filters', () => {
    expect(() => makeFilter('  ', ctx)).toThrow(ParsingError);
    expect(() => makeFilter('stock >', ctx)).toThrow('expected a value at position 7');
  });
});
