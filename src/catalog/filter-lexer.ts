/**
 * Tokenizer for the Clerk filter language (see filter.ts for the grammar and semantics).
 *
 * Tokens: words (`[A-Za-z0-9_]+`: attribute names and the keywords and/or/in/not/contains/
 * true/false), numbers (`-?\d+(\.\d+)?`, the minus glued to the digits), strings in single or
 * double quotes with backslash escapes (`\n` `\t` `\r` decode to control characters, a
 * backslash before any other character yields that character), the operators
 * `= != > >= < <=`, and `( ) [ ] ,`. A character that starts no token becomes an `invalid`
 * token so the parser can say what it expected there; only an unterminated string is reported
 * by the lexer itself.
 */
import { invalidArgument, type ParsingError } from '../errors.js';

/** The kinds of token the filter lexer produces. */
export type TokenKind =
  | 'word' | 'number' | 'string' | 'op' | '(' | ')' | '[' | ']' | ',' | 'invalid' | 'eof';

/** One token: kind, source text, decoded literal value (numbers, strings) and 0-based position. */
export interface Token {
  kind: TokenKind;
  text: string;
  value?: string | number;
  pos: number;
}

const EXCERPT_BEFORE = 30;
const EXCERPT_AFTER = 20;

/**
 * The filter syntax error: `Invalid Syntax In Argument: filter (expected X at position N: "…^…")`,
 * where the excerpt shows the text around N with a `^` inserted at N.
 */
export function filterSyntaxError(text: string, pos: number, expected: string): ParsingError {
  const from = Math.max(0, pos - EXCERPT_BEFORE);
  const to = Math.min(text.length, pos + EXCERPT_AFTER);
  const excerpt =
    (from > 0 ? '…' : '') + text.slice(from, pos) + '^' + text.slice(pos, to) + (to < text.length ? '…' : '');
  return invalidArgument('filter', `expected ${expected} at position ${pos}: ${JSON.stringify(excerpt)}`);
}

const NUMBER = /-?\d+(?:\.\d+)?/y;
const WORD = /[A-Za-z0-9_]+/y;
const WORD_CHAR = /[A-Za-z0-9_]/;
const SPACE = /\s/;
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r' };
const PUNCTUATION = '()[],';

/** Splits a filter into tokens, ending with an `eof` token positioned at `text.length`. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (SPACE.test(c)) {
      i++;
    } else if (PUNCTUATION.includes(c)) {
      tokens.push({ kind: c as TokenKind, text: c, pos: i });
      i++;
    } else if (c === '=' || ((c === '!' || c === '<' || c === '>') && text[i + 1] === '=')) {
      const op = c === '=' ? '=' : c + '=';
      tokens.push({ kind: 'op', text: op, pos: i });
      i += op.length;
    } else if (c === '<' || c === '>') {
      tokens.push({ kind: 'op', text: c, pos: i });
      i++;
    } else if (c === '"' || c === "'") {
      i = readString(text, i, tokens);
    } else {
      i = readNumberOrWord(text, i, tokens);
    }
  }
  tokens.push({ kind: 'eof', text: '', pos: text.length });
  return tokens;
}

function readString(text: string, start: number, tokens: Token[]): number {
  const quote = text[start];
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === quote) {
      tokens.push({ kind: 'string', text: text.slice(start, i + 1), value, pos: start });
      return i + 1;
    }
    if (c === '\\') {
      if (i + 1 >= text.length) break;
      const e = text[i + 1];
      value += ESCAPES[e] ?? e;
      i += 2;
    } else {
      value += c;
      i++;
    }
  }
  throw filterSyntaxError(text, start, `a closing ${quote} for the string`);
}

function readNumberOrWord(text: string, start: number, tokens: Token[]): number {
  NUMBER.lastIndex = start;
  const num = NUMBER.exec(text);
  if (num && !WORD_CHAR.test(text[start + num[0].length] ?? '')) {
    tokens.push({ kind: 'number', text: num[0], value: numberValue(num[0]), pos: start });
    return start + num[0].length;
  }
  WORD.lastIndex = start;
  const word = WORD.exec(text);
  if (word) {
    tokens.push({ kind: 'word', text: word[0], pos: start });
    return start + word[0].length;
  }
  tokens.push({ kind: 'invalid', text: text[start], pos: start });
  return start + 1;
}

/** An integer literal too large to be exact as a double stays a string (long numeric IDs). */
function numberValue(raw: string): string | number {
  const n = Number(raw);
  return !raw.includes('.') && !Number.isSafeInteger(n) ? raw : n;
}
