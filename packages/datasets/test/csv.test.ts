import { afterAll, describe, expect, it } from 'vitest';
import { MmauxDatasetError } from '../src/errors.js';
import { CsvTokenizer, type CsvRecord, parseCsv, readCsvRecords } from '../src/formats/csv.js';
import { put, removeTempDirs, tempDir } from './helpers.js';

afterAll(removeTempDirs);

const fields = (text: string, options = {}) => parseCsv(text, options).map((r) => r.fields);

/** Feeds the text one piece at a time, to exercise every chunk boundary. */
function chunked(text: string, size: number, options = {}): CsvRecord[] {
  const t = new CsvTokenizer(options);
  const out: CsvRecord[] = [];
  for (let i = 0; i < text.length; i += size) t.push(text.slice(i, i + size), out);
  t.end(out);
  return out;
}

describe('parseCsv (RFC 4180)', () => {
  it('reads plain, quoted, doubled-quote and empty fields', () => {
    expect(fields('a,b,c\n1,"two, 2","say ""hi"""\n,,\n')).toEqual([
      ['a', 'b', 'c'],
      ['1', 'two, 2', 'say "hi"'],
      ['', '', ''],
    ]);
  });

  it('keeps line breaks inside quotes and numbers rows (header = 1) and lines', () => {
    const rows = parseCsv('id,text\r\n1,"first\r\nsecond"\r\n\r\n2,x');
    expect(rows.map((r) => r.fields)).toEqual([
      ['id', 'text'],
      ['1', 'first\r\nsecond'],
      ['2', 'x'],
    ]);
    expect(rows.map((r) => [r.row, r.line])).toEqual([
      [1, 1],
      [2, 2],
      [3, 5],
    ]);
  });

  it('accepts LF, CRLF and CR line ends, a BOM, and no final newline', () => {
    expect(fields('\uFEFFa,b\rc,d\r\ne,f')).toEqual([
      ['a', 'b'],
      ['c', 'd'],
      ['e', 'f'],
    ]);
  });

  it('is lenient (csv-parse relax_quotes): a quote inside a bare field is text, and so is a quoted field with text after its closing quote, kept as written', () => {
    // Python's csv module reads the second field as `abcd`; csv-parse keeps both quotes.
    expect(fields('5" tall,"ab"cd\n')).toEqual([['5" tall', '"ab"cd']]);
    expect(fields('1,"He said "hi" to me",x\n')).toEqual([['1', '"He said "hi" to me"', 'x']]);
  });

  it('reads backslash-escaped quotes when asked (TIR), keeping other backslashes', () => {
    const line = '"1","she said \\"no\\", then left","C:\\\\dir ¯\\_(ツ)_/¯","x"';
    expect(fields(line, { backslashEscapes: true })).toEqual([['1', 'she said "no", then left', 'C:\\dir ¯\\_(ツ)_/¯', 'x']]);
    // Without the option the same line splits at the escaped quote's comma.
    expect(fields(line)[0]!.length).not.toBe(4);
  });

  it('gives the same records whatever the chunk size', () => {
    const text = 'id,text\r\n1,"a ""q"", b\r\nc"\r\n2,\\"x\\"\r\n"3","\\"y\\""\n\n4,end';
    for (const opts of [{}, { backslashEscapes: true }]) {
      const whole = parseCsv(text, opts);
      for (const size of [1, 2, 3, 7]) expect(chunked(text, size, opts)).toEqual(whole);
    }
  });

  it('reads another delimiter', () => {
    expect(fields('a\tb\n"x\ty"\tz', { delimiter: '\t' })).toEqual([
      ['a', 'b'],
      ['x\ty', 'z'],
    ]);
  });

  it('names the line of a quoted field that is never closed', () => {
    try {
      parseCsv('id,text\n1,ok\n2,"never closed\n3,x\n');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(MmauxDatasetError);
      expect((e as MmauxDatasetError).code).toBe('INVALID_FORMAT');
      expect((e as MmauxDatasetError).message).toMatch(/starts on line 3 \(row 3\)/);
    }
  });

  it('rejects a bad delimiter', () => {
    expect(() => parseCsv('a', { delimiter: ';;' })).toThrow(/delimiter must be one character/);
  });
});

describe('readCsvRecords', () => {
  it('streams a file in chunks with the same records as parseCsv', async () => {
    const dir = tempDir();
    const body = ['id,text', ...Array.from({ length: 5000 }, (_, i) => `${i},"row ${i}, with ""quotes""\nand a line break"`)].join('\n');
    const file = put(dir, 'big.csv', body);
    const got: CsvRecord[] = [];
    for await (const r of readCsvRecords(file)) got.push(r);
    expect(got).toEqual(parseCsv(body));
    expect(got.at(-1)).toEqual({ fields: ['4999', 'row 4999, with "quotes"\nand a line break'], row: 5001, line: 10000 });
  });

  it('reads multi-byte UTF-8 across chunk boundaries', async () => {
    const dir = tempDir();
    const text = 'é😀'.repeat(40_000);
    const file = put(dir, 'utf8.csv', `id,text\n1,${text}\n`);
    const got: CsvRecord[] = [];
    for await (const r of readCsvRecords(file)) got.push(r);
    expect(got[1]!.fields[1]).toBe(text);
  });
});
