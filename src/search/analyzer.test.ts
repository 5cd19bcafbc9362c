import { describe, expect, it } from 'vitest';
import { fold, tokenize } from './analyzer.js';
import { englishLight, isStopWord, parseLanguage, stem } from './languages.js';

describe('analyzer', () => {
  it('folds case and accents, spelling out letters NFKD keeps whole', () => {
    expect(fold('Høretelefoner Größe Œuvre Café')).toBe('horetelefoner grosse oeuvre cafe');
  });

  it('keeps model numbers whole and split, decimals whole, apostrophes out', () => {
    expect(tokenize('HP dv7-1211ea, 43.2 cm men’s')).toEqual([
      { term: 'hp', pos: 0 }, { term: 'dv7', pos: 1 }, { term: '1211ea', pos: 2 }, { term: 'dv71211ea', pos: 1, joined: true },
      { term: '43.2', pos: 3 }, { term: 'cm', pos: 4 }, { term: 'mens', pos: 5 },
    ]);
    expect(tokenize('USB-C/HDMI').map((t) => t.term)).toEqual(['usb', 'c', 'hdmi', 'usbchdmi']);
    expect(tokenize('-- a -b c- ').map((t) => t.term)).toEqual(['a', 'b', 'c']);
  });

  it('continues positions from a start', () => {
    expect(tokenize('one two', 10).map((t) => t.pos)).toEqual([10, 11]);
  });
});

describe('languages', () => {
  it('stems English plurals lightly and leaves the rest', () => {
    expect(['speakers', 'batteries', 'boxes', 'glasses', 'bus', 'controller', 'gaming', 'cds', 'ssds'].map(englishLight))
      .toEqual(['speaker', 'battery', 'box', 'glass', 'bus', 'controller', 'gaming', 'cds', 'ssd']);
  });

  it('stems other languages with Snowball, digits and short words left alone', () => {
    expect(stem('lautsprechern', 'german')).toBe(stem('lautsprecher', 'german'));
    expect(stem('højtalerne'.normalize('NFKD'), 'danish')).toBeTypeOf('string');
    expect(stem('2060', 'german')).toBe('2060');
    expect(stem('tv', 'french')).toBe('tv');
  });

  it('names languages by name or code; an unknown one is a ParsingError naming language', () => {
    expect(parseLanguage('da')).toBe('danish');
    expect(parseLanguage(' Deutsch ')).toBe('german');
    expect(() => parseLanguage('klingon')).toThrow(/Invalid Syntax In Argument: language/);
  });

  it('knows stop words per language', () => {
    expect(isStopWord('for', 'english')).toBe(true);
    expect(isStopWord('og', 'danish')).toBe(true);
    expect(isStopWord('laptop', 'english')).toBe(false);
  });
});
