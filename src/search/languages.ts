/**
 * Per-language parts of the analyzer: a light stemmer and a stop-word list. Stems are only used
 * to find other forms of a query word in the index ("speakers" → "speaker"), never to replace the
 * word itself, so an aggressive stem costs a little ranking, not a wrong exact match.
 *
 * English uses a light plural stemmer of our own (Snowball/Porter English turns "controller"
 * into "control" and "gaming" into "game", which mixes product types); the other languages use
 * the Snowball stemmers of @orama/stemmers (Apache-2.0). Words are stemmed after folding.
 */
import { stemmer as danish } from '@orama/stemmers/danish';
import { stemmer as dutch } from '@orama/stemmers/dutch';
import { stemmer as finnish } from '@orama/stemmers/finnish';
import { stemmer as french } from '@orama/stemmers/french';
import { stemmer as german } from '@orama/stemmers/german';
import { stemmer as italian } from '@orama/stemmers/italian';
import { stemmer as norwegian } from '@orama/stemmers/norwegian';
import { stemmer as portuguese } from '@orama/stemmers/portuguese';
import { stemmer as spanish } from '@orama/stemmers/spanish';
import { stemmer as swedish } from '@orama/stemmers/swedish';
import { invalidArgument } from '../errors.js';

export const LANGUAGES = ['english', 'german', 'danish', 'swedish', 'norwegian', 'dutch', 'french', 'spanish', 'italian', 'portuguese', 'finnish'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Names and ISO codes Clerk clients send for each language. */
const ALIASES: Record<string, Language> = {
  en: 'english', english: 'english', de: 'german', german: 'german', deutsch: 'german',
  da: 'danish', dk: 'danish', danish: 'danish', dansk: 'danish', sv: 'swedish', se: 'swedish', swedish: 'swedish', svenska: 'swedish',
  no: 'norwegian', nb: 'norwegian', nn: 'norwegian', norwegian: 'norwegian', norsk: 'norwegian', nl: 'dutch', dutch: 'dutch', nederlands: 'dutch',
  fr: 'french', french: 'french', francais: 'french', 'français': 'french', es: 'spanish', spanish: 'spanish', espanol: 'spanish', 'español': 'spanish',
  it: 'italian', italian: 'italian', italiano: 'italian', pt: 'portuguese', portuguese: 'portuguese', portugues: 'portuguese', 'português': 'portuguese',
  fi: 'finnish', finnish: 'finnish', suomi: 'finnish',
};

/** The language a `language` argument names; a ParsingError naming `language` for an unknown one. */
export function parseLanguage(name: string): Language {
  const lang = ALIASES[name.trim().toLowerCase()];
  if (!lang) throw invalidArgument('language', `unknown language ${JSON.stringify(name)} (one of ${LANGUAGES.join(', ')})`);
  return lang;
}

/** English plurals: -ies → -y, -es after s/x/z/ch/sh → stem, -s → stem (not -ss, -us, -is). */
export function englishLight(word: string): string {
  const n = word.length;
  if (n <= 3 || word.charCodeAt(n - 1) !== 115 /* s */) return word;
  if (word.endsWith('ies') && n > 4 && !word.endsWith('eies') && !word.endsWith('aies')) return `${word.slice(0, -3)}y`;
  if (word.endsWith('es') && /(?:ss|x|z|ch|sh)es$/.test(word)) return word.slice(0, -2);
  if (/(?:ss|us|is|ys)$/.test(word)) return word;
  if (/\d/.test(word)) return word;
  return word.slice(0, -1);
}

const STEMMERS: Record<Language, (w: string) => string> = {
  english: englishLight, german, danish, swedish, norwegian, dutch, french, spanish, italian, portuguese, finnish,
};

/** The light stem of a folded word (digits-only and short words are their own stem). */
export function stem(word: string, language: Language): string {
  if (word.length <= 3 || /^\d+$/.test(word)) return word;
  return STEMMERS[language](word);
}

const STOP: Record<Language, string> = {
  english: 'a an and are as at be by for from in is it of on or the to with without your my',
  german: 'der die das den dem des ein eine einen einem und oder mit ohne fur von zu im in am an auf ist',
  danish: 'og i pa en et af til er de der det den med for som uden min mit',
  swedish: 'och i pa en ett av till ar de det den med for som utan min mitt',
  norwegian: 'og i pa en et av til er de det den med for som uten min mitt',
  dutch: 'de het een en of in op met voor van te zonder is',
  french: 'le la les un une des de du et ou en pour avec sans au aux sur est',
  spanish: 'el la los las un una unos unas de del y o en para con sin al es',
  italian: 'il lo la i gli le un una di del e o in per con senza al e',
  portuguese: 'o a os as um uma de do da e ou em para com sem ao',
  finnish: 'ja tai on ei',
};
const STOP_SETS = Object.fromEntries(LANGUAGES.map((l) => [l, new Set(STOP[l].split(" "))])) as unknown as Record<Language, ReadonlySet<string>>;

/** True for a word a query may leave out (it never has to match). */
export function isStopWord(word: string, language: Language): boolean {
  return STOP_SETS[language].has(word);
}
