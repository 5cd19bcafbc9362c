/**
 * The search analyzer: text → terms. Shared by the index (products, categories, pages) and the
 * query parser, so both sides cut text the same way.
 *
 * - Folding: lower-case, accents removed (NFKD minus combining marks) and the letters NFKD keeps
 *   whole spelled out (ø → o, æ → ae, ß → ss, œ → oe, ł → l, đ → d, þ → th), so "Høretelefoner"
 *   and "horetelefoner" are one term.
 * - Words: runs of letters and digits. Connectors between two alphanumerics (`-`, `/`, `.`, `_`,
 *   `+`) join a model number such as `dv7-1211ea`: it yields its parts (`dv7`, `1211ea`) at
 *   consecutive positions and the joined form (`dv71211ea`) at the first part's position, so
 *   "dv7-1211ea", "dv7 1211ea" and "dv71211ea" all find it. A dot between two digit runs is a
 *   decimal (`43.2` stays one term). Apostrophes vanish (`men's` → `mens`).
 */

/** A term at a position of a field's text. Joined forms share the first part's position. */
export interface Token {
  term: string;
  pos: number;
  /** True for the joined form of a connected run (`dv71211ea`), which adds no new position. */
  joined?: boolean;
}

const SPELLED: Record<string, string> = { ø: 'o', æ: 'ae', ß: 'ss', œ: 'oe', ł: 'l', đ: 'd', þ: 'th', ð: 'd', ı: 'i' };
const SPELLED_RE = /[øæßœłđþðı]/g;
const MARKS_RE = /[\u0300-\u036f]/g;
const ASCII_LOWER_RE = /^[a-z0-9 ]*$/;

/** Lower-cased, accent-free text (see the module comment). */
export function fold(text: string): string {
  const lower = text.toLowerCase();
  if (ASCII_LOWER_RE.test(lower)) return lower;
  return lower.normalize('NFKD').replace(MARKS_RE, '').replace(SPELLED_RE, (c) => SPELLED[c]);
}

const isAlnum = (c: number) => (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c > 127 && /[\p{L}\p{N}]/u.test(String.fromCharCode(c)));
const isDigit = (c: number) => c >= 48 && c <= 57;
/** - / . _ + */
const isConnector = (c: number) => c === 45 || c === 47 || c === 46 || c === 95 || c === 43;
/** ' and ’ */
const isApostrophe = (c: number) => c === 39 || c === 0x2019;

/** Longest term kept; longer runs (hashes, base64 junk) are cut. */
export const MAX_TERM_LENGTH = 40;

/**
 * The tokens of a text, positions starting at `startPos` (a field of several values continues
 * its positions with a gap so a phrase never spans two values).
 */
export function tokenize(text: string, startPos = 0): Token[] {
  const s = fold(text);
  const out: Token[] = [];
  let pos = startPos;
  let i = 0;
  const n = s.length;
  while (i < n) {
    if (!isAlnum(s.charCodeAt(i))) {
      i++;
      continue;
    }
    // One connected run: parts separated by single connectors between alphanumerics.
    const parts: string[] = [];
    let part = '';
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (isAlnum(c)) {
        part += s[i];
        continue;
      }
      if (isApostrophe(c) && i + 1 < n && isAlnum(s.charCodeAt(i + 1)) && part !== '') continue;
      if (isConnector(c) && i + 1 < n && isAlnum(s.charCodeAt(i + 1)) && part !== '') {
        if (c === 46 && isDigit(part.charCodeAt(part.length - 1)) && isDigit(s.charCodeAt(i + 1))) {
          part += '.';
          continue;
        }
        parts.push(part);
        part = '';
        continue;
      }
      break;
    }
    if (part !== '') parts.push(part);
    const first = pos;
    for (const p of parts) out.push({ term: p.slice(0, MAX_TERM_LENGTH), pos: pos++ });
    if (parts.length > 1) {
      const joined = parts.join('').replace(/\./g, '').slice(0, MAX_TERM_LENGTH);
      out.push({ term: joined, pos: first, joined: true });
    }
  }
  return out;
}

/** The terms of a text (tokens without positions, repeats kept). */
export function terms(text: string): string[] {
  return tokenize(text).map((t) => t.term);
}
