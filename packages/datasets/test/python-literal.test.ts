import { describe, expect, it } from 'vitest';
import { MmauxDatasetError } from '../src/errors.js';
import { parsePythonLiteral } from '../src/formats/python-literal.js';

describe('parsePythonLiteral (never evaluated)', () => {
  it("reads MSD's train and valid/test lines", () => {
    expect(parsePythonLiteral("['682716753374351360', 'Just had a long day <user> ', 1]")).toEqual(['682716753374351360', 'Just had a long day <user> ', 1]);
    expect(parsePythonLiteral("['915657464401580032', \"it's <num> degrees\", 0, 1]")).toEqual(['915657464401580032', "it's <num> degrees", 0, 1]);
  });

  it('reads every escape Python writes', () => {
    expect(parsePythonLiteral(String.raw`'a\'b\"c\\d\ne\tf\x41\u00e9\U0001F600\101\q'`)).toBe('a\'b"c\\d\ne\tfAé😀A\\q');
    expect(parsePythonLiteral(String.raw`r'raw\n'`)).toBe('raw\\n');
    expect(parsePythonLiteral("'''triple ' quote'''")).toBe("triple ' quote");
  });

  it('decodes Python 2 byte-string reprs of UTF-8 (no u prefix) and keeps unicode strings', () => {
    expect(parsePythonLiteral(String.raw`'caf\xc3\xa9'`)).toBe('café');
    expect(parsePythonLiteral(String.raw`u'caf\xe9'`)).toBe('café');
    // Not valid UTF-8: the code points stay as Python 3 reads them.
    expect(parsePythonLiteral(String.raw`'caf\xe9'`)).toBe('café');
  });

  it('reads numbers, big integers, tuples, True/False/None and nesting', () => {
    expect(parsePythonLiteral('(1, -2.5, 1_000, 12345678901234567890, True, False, None, [])')).toEqual([1, -2.5, 1000, 12345678901234567890n, true, false, null, []]);
    expect(parsePythonLiteral('[ [1,2] , ("a",) ]')).toEqual([[1, 2], ['a']]);
  });

  it('refuses code and broken literals, naming the column', () => {
    for (const [text, where] of [
      ["__import__('os').system('rm -rf /')", /unexpected name "__import__" at column 1/],
      ["['a', 'b'", /missing "\]"/],
      ["['a' 'b']", /expected "," or "\]"/],
      ["['unterminated]", /unterminated string/],
      ['[1] + [2]', /after the value at column 5/],
      ["'\\N{BULLET}'", /not supported/],
    ] as const) {
      try {
        parsePythonLiteral(text);
        expect.unreachable(text);
      } catch (e) {
        expect(e).toBeInstanceOf(MmauxDatasetError);
        expect((e as MmauxDatasetError).code).toBe('INVALID_FORMAT');
        expect((e as Error).message).toMatch(where);
      }
    }
  });
});
