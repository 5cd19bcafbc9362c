/**
 * The Clerk filter language: a recursive-descent parser to an AST and a compiler from the AST to
 * a predicate over product documents. Filters never become SQL.
 *
 * Grammar (keywords case-insensitive; `and` binds tighter than `or`):
 *   filter     := or EOF
 *   or         := and ('or' and)*
 *   and        := primary ('and' primary)*
 *   primary    := '(' or ')' | comparison
 *   comparison := ATTRIBUTE ('=' | '!=' | '>' | '>=' | '<' | '<=' | 'contains') scalar
 *               | ATTRIBUTE ['not'] 'in' '[' [scalar (',' scalar)*] ']'
 *   scalar     := NUMBER | STRING | 'true' | 'false'
 * Limits: 10,000 characters, 64 nested parentheses. Errors are ParsingErrors reading
 * `Invalid Syntax In Argument: filter (expected X at position N: "…^…")`, N 0-based.
 *
 * Semantic decisions:
 * - Equality (`=`, `!=`, `in`, `not in`, list `contains`) compares the text of both sides,
 *   case-insensitively: `id = 123` matches ids 123 and "123", `brand = 'acme'` matches "Acme",
 *   `on_sale = true` matches true and "true". Numbers compare by their canonical text, so
 *   `price = 10` matches 10 and 10.0 (same double) and "10", but not "10.0". Integer literals
 *   beyond 2^53 are kept as their digits (exact string match on long IDs).
 * - `>` `>=` `<` `<=` are numeric: numbers and numeric strings on either side; anything else
 *   (booleans, non-numeric strings) never matches.
 * - List attributes: every operator tests the members (any member matches); `!=` and `not in`
 *   are the exact negations of `=` and `in` ("x is not a member" / "no overlap").
 * - `contains` on a string attribute is a case-insensitive substring test; on a list it tests
 *   membership; on a number or boolean it is equality.
 * - `categories` with `=`, `in`, `contains` (and their negations) matches a category ID or any of
 *   its descendants (FilterContext.categoryDescendants, consulted once at compile time).
 * - Missing attributes (absent or null): positive comparisons never match; `!=` and `not in`
 *   always match (they are negations). Object values (not filterable) behave like empty lists.
 * - Attributes are read as own properties only (`constructor`, `__proto__` are never inherited).
 */
import { filterSyntaxError, tokenize, type Token } from './filter-lexer.js';

/** A literal value in a filter. */
export type FilterScalar = string | number | boolean;
/** Operators taking one literal. */
export type ScalarOperator = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'contains';
/** Operators taking a bracketed list of literals. */
export type ListOperator = 'in' | 'not in';

/** Parsed filter: comparisons combined by n-ary and/or nodes (no separate not node). */
export type FilterAst =
  | { type: 'compare'; attribute: string; op: ScalarOperator; value: FilterScalar }
  | { type: 'compare'; attribute: string; op: ListOperator; value: FilterScalar[] }
  | { type: 'and' | 'or'; children: FilterAst[] };

/** What the compiler needs to know about the store beyond the document itself. */
export interface FilterContext {
  /** IDs (as strings) of the category `id` and all its descendants. */
  categoryDescendants(id: string): ReadonlySet<string>;
}

/** A compiled filter. */
export type FilterPredicate = (doc: Record<string, unknown>) => boolean;

/** Longest filter accepted, in UTF-16 code units. */
export const MAX_FILTER_LENGTH = 10_000;
/** Deepest parenthesis nesting accepted. */
export const MAX_FILTER_DEPTH = 64;

/** Parses a filter to its AST; throws ParsingError (with position) on any syntax error. */
export function parseFilter(text: string): FilterAst {
  if (text.length > MAX_FILTER_LENGTH) {
    throw filterSyntaxError(text, MAX_FILTER_LENGTH, `at most ${MAX_FILTER_LENGTH} characters`);
  }
  const parser = new Parser(text, tokenize(text));
  const ast = parser.parseOr();
  if (parser.peek().kind !== 'eof') parser.fail("'and', 'or' or end of filter");
  return ast;
}

class Parser {
  private i = 0;
  private depth = 0;

  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  peek(): Token {
    return this.tokens[this.i];
  }

  fail(expected: string, tok: Token = this.peek()): never {
    throw filterSyntaxError(this.text, tok.pos, expected);
  }

  private keyword(word: string, tok: Token = this.peek()): boolean {
    return tok.kind === 'word' && tok.text.toLowerCase() === word;
  }

  parseOr(): FilterAst {
    const children = [this.parseAnd()];
    while (this.keyword('or')) {
      this.i++;
      children.push(this.parseAnd());
    }
    return children.length === 1 ? children[0] : { type: 'or', children };
  }

  private parseAnd(): FilterAst {
    const children = [this.parsePrimary()];
    while (this.keyword('and')) {
      this.i++;
      children.push(this.parsePrimary());
    }
    return children.length === 1 ? children[0] : { type: 'and', children };
  }

  private parsePrimary(): FilterAst {
    if (this.peek().kind !== '(') return this.parseComparison();
    if (this.depth >= MAX_FILTER_DEPTH) this.fail(`at most ${MAX_FILTER_DEPTH} nested parentheses`);
    this.i++;
    this.depth++;
    const inner = this.parseOr();
    if (this.peek().kind !== ')') this.fail("'and', 'or' or ')'");
    this.i++;
    this.depth--;
    return inner;
  }

  private parseComparison(): FilterAst {
    const attr = this.peek();
    if (attr.kind !== 'word') this.fail('an attribute');
    this.i++;
    const attribute = attr.text;
    const op = this.peek();
    this.i++;
    if (op.kind === 'op') {
      return { type: 'compare', attribute, op: op.text as ScalarOperator, value: this.parseScalar() };
    }
    if (this.keyword('contains', op)) {
      return { type: 'compare', attribute, op: 'contains', value: this.parseScalar() };
    }
    if (this.keyword('in', op)) return { type: 'compare', attribute, op: 'in', value: this.parseList() };
    if (this.keyword('not', op)) {
      if (!this.keyword('in')) this.fail("'in' after 'not'");
      this.i++;
      return { type: 'compare', attribute, op: 'not in', value: this.parseList() };
    }
    return this.fail('an operator', op);
  }

  private parseScalar(): FilterScalar {
    const tok = this.peek();
    if ((tok.kind === 'number' || tok.kind === 'string') && tok.value !== undefined) {
      this.i++;
      return tok.value;
    }
    if (this.keyword('true') || this.keyword('false')) {
      this.i++;
      return tok.text.toLowerCase() === 'true';
    }
    return this.fail(tok.kind === '[' ? "a single value (lists only follow 'in')" : 'a value');
  }

  private parseList(): FilterScalar[] {
    if (this.peek().kind !== '[') this.fail("'['");
    this.i++;
    const values: FilterScalar[] = [];
    if (this.peek().kind === ']') {
      this.i++;
      return values;
    }
    for (;;) {
      values.push(this.parseScalar());
      const sep = this.peek();
      this.i++;
      if (sep.kind === ']') return values;
      if (sep.kind !== ',') this.fail("',' or ']'", sep);
    }
  }
}

/** Compiles an AST to a predicate over product documents. */
export function compileFilter(ast: FilterAst, ctx: FilterContext): FilterPredicate {
  if (ast.type === 'compare') return compileComparison(ast, ctx);
  const parts = ast.children.map((child) => compileFilter(child, ctx));
  return ast.type === 'and'
    ? (doc) => parts.every((p) => p(doc))
    : (doc) => parts.some((p) => p(doc));
}

/** Parses and compiles `text`; null when there is no filter (undefined or ''). */
export function makeFilter(text: string | undefined, ctx: FilterContext): FilterPredicate | null {
  if (text === undefined || text === '') return null;
  return compileFilter(parseFilter(text), ctx);
}

type Comparison = Extract<FilterAst, { type: 'compare' }>;
/** Positive test on a present (non-null) attribute value. */
type ValueTest = (raw: unknown) => boolean;

function compileComparison(node: Comparison, ctx: FilterContext): FilterPredicate {
  const { attribute } = node;
  const negated = node.op === '!=' || node.op === 'not in';
  const test = valueTest(node, ctx);
  return (doc) => {
    const raw = Object.hasOwn(doc, attribute) ? doc[attribute] : undefined;
    if (raw === undefined || raw === null) return negated;
    return test(raw) !== negated;
  };
}

function valueTest(node: Comparison, ctx: FilterContext): ValueTest {
  const isCategories = node.attribute === 'categories';
  switch (node.op) {
    case 'in':
    case 'not in':
      return membership(node.value, isCategories, ctx);
    case '=':
    case '!=':
      return membership([node.value], isCategories, ctx);
    case 'contains': {
      const member = membership([node.value], isCategories, ctx);
      if (isCategories) return member;
      const needle = fold(node.value);
      return (raw) => (typeof raw === 'string' ? fold(raw).includes(needle) : member(raw));
    }
    default:
      return ordering(node.op, node.value);
  }
}

function membership(literals: FilterScalar[], isCategories: boolean, ctx: FilterContext): ValueTest {
  const keys = new Set<string>();
  for (const literal of literals) {
    keys.add(fold(literal));
    if (isCategories) for (const id of ctx.categoryDescendants(String(literal))) keys.add(fold(id));
  }
  return (raw) => members(raw).some((m) => isScalar(m) && keys.has(fold(m)));
}

function ordering(op: '>' | '>=' | '<' | '<=', literal: FilterScalar): ValueTest {
  const bound = toNumber(literal);
  if (Number.isNaN(bound)) return () => false;
  const holds =
    op === '>' ? (x: number) => x > bound
    : op === '>=' ? (x: number) => x >= bound
    : op === '<' ? (x: number) => x < bound
    : (x: number) => x <= bound;
  return (raw) =>
    members(raw).some((m) => {
      const x = toNumber(m);
      return !Number.isNaN(x) && holds(x);
    });
}

const NO_MEMBERS: readonly unknown[] = [];

function members(raw: unknown): readonly unknown[] {
  if (Array.isArray(raw)) return raw;
  return typeof raw === 'object' ? NO_MEMBERS : [raw];
}

function isScalar(v: unknown): v is FilterScalar {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function fold(v: FilterScalar): string {
  return String(v).toLowerCase();
}

const NUMERIC = /^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$/;

/** Finite numbers and numeric strings as numbers; NaN for anything else. */
function toNumber(v: unknown): number {
  if (typeof v === 'number') return Number.isFinite(v) ? v : NaN;
  if (typeof v === 'string' && NUMERIC.test(v)) return Number(v);
  return NaN;
}
