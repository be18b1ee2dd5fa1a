// The CSV reader on csv-parse: records, rows and lines against a writer that knows what it
// wrote; backslash escapes across chunk boundaries; recovery from an open quote that runs over
// many read chunks; the errors csv-parse reports.
import { afterAll, describe, expect, it } from 'vitest';
import { MmauxDatasetError } from '../src/errors.js';
import { CsvTokenizer, type CsvRecord, parseCsv, readCsvRecords } from '../src/formats/csv.js';
import { mulberry32, pick, randInt, type Rng } from '../src/rng.js';
import { put, removeTempDirs, tempDir } from './helpers.js';

afterAll(removeTempDirs);

function chunked(text: string, size: number, options = {}): CsvRecord[] {
  const t = new CsvTokenizer(options);
  const out: CsvRecord[] = [];
  for (let i = 0; i < text.length; i += size) t.push(text.slice(i, i + size), out);
  t.end(out);
  return out;
}

async function readAll(file: string, options = {}): Promise<CsvRecord[]> {
  const got: CsvRecord[] = [];
  for await (const r of readCsvRecords(file, options)) got.push(r);
  return got;
}

const BREAKS = ['\n', '\r\n', '\r'];
const PIECES = ['a', 'xyz', ' ', ',', '"', '""', '\n', '\r\n', '\r', 'é', '😀', '\\', '\t'];

/** A field: bare when nothing in it needs quotes, else quoted with doubled quotes. */
function writeField(value: string, rng: Rng): string {
  const needs = /[",\r\n]/.test(value) || value.startsWith('"');
  return needs || rng() < 0.2 ? `"${value.replaceAll('"', '""')}"` : value;
}

/** A random CSV (`width` fields a row, else 1–4), with the records and start lines a reader must find in it. */
function randomCsv(seed: number, rows: number, width?: number): { text: string; expected: CsvRecord[] } {
  const rng = mulberry32(seed);
  let text = '';
  let line = 1;
  const expected: CsvRecord[] = [];
  // A CR then an LF would read as one CRLF line break.
  let endsWithCr = false;
  const lineBreak = () => {
    let b = pick(rng, BREAKS);
    while (endsWithCr && b.startsWith('\n')) b = pick(rng, BREAKS);
    text += b;
    endsWithCr = b === '\r';
    line++;
  };
  for (let r = 0; r < rows; r++) {
    while (rng() < 0.1) lineBreak();
    const fields = Array.from({ length: width ?? 1 + randInt(rng, 4) }, () => Array.from({ length: randInt(rng, 4) }, () => pick(rng, PIECES)).join(''));
    // A lone empty field would be a blank line; quote it.
    const written = fields.length === 1 && fields[0] === '' ? '""' : fields.map((f) => writeField(f, rng)).join(',');
    expected.push({ fields, row: r + 1, line });
    text += written;
    endsWithCr = false;
    line += (written.match(/\r\n|\r|\n/g) ?? []).length;
    if (r < rows - 1 || rng() < 0.5) lineBreak();
  }
  return { text, expected };
}

describe('CSV reader against a writer', () => {
  it('reads every field, row and line of random RFC 4180 files (mixed line ends, blank lines, line breaks in quotes), in any chunk size', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const { text, expected } = randomCsv(seed, 40);
      expect(parseCsv(text)).toEqual(expected);
      for (const size of [1, 5, 64]) expect(chunked(text, size)).toEqual(expected);
    }
  });

  it('streams the same records from a file of many read chunks', async () => {
    // Rows of one width: csv-parse builds an error object (with a stack trace) for every row whose
    // field count differs from the first row's, even with relax_column_count, which is slow.
    const { text, expected } = randomCsv(99, 20_000, 4);
    const file = put(tempDir(), 'random.csv', text);
    expect(Buffer.byteLength(text)).toBeGreaterThan(4 << 16);
    expect(await readAll(file)).toEqual(expected);
  });

  it('turns bytes that are not UTF-8 into U+FFFD inside the field, and keeps the row', async () => {
    const file = put(tempDir(), 'latin1.csv', Buffer.concat([Buffer.from('id,text\n1,caf'), Buffer.from([0xe9]), Buffer.from('\n2,ok\n')]));
    expect((await readAll(file)).map((r) => r.fields)).toEqual([
      ['id', 'text'],
      ['1', 'caf\uFFFD'],
      ['2', 'ok'],
    ]);
  });
});

describe('backslash escapes (TIR)', () => {
  const opts = { backslashEscapes: true };

  it('reads runs of backslashes and escaped quotes split at any chunk boundary', () => {
    // Fields: a\"b → a"b; c\\\"d → c\"d; e\\ → e\ (then the closing quote); bare \"x\" → "x".
    const text = '"a\\"b","c\\\\\\"d","e\\\\",\\"x\\"\n"2","\\\\\\\\","","f\\g"\n';
    const want = [
      ['a"b', 'c\\"d', 'e\\', '"x"'],
      ['2', '\\\\', '', 'f\\g'],
    ];
    expect(parseCsv(text, opts).map((r) => r.fields)).toEqual(want);
    for (const size of [1, 2, 3, 4, 5]) expect(chunked(text, size, opts).map((r) => r.fields)).toEqual(want);
  });

  it('keeps Unicode noncharacters that are in the text (the reader uses U+FDD0–U+FDD2 internally)', () => {
    const text = '"\uFDD0\\"\uFDD1","\uFDD2\\\\"\n';
    expect(parseCsv(text, opts)[0]!.fields).toEqual(['\uFDD0"\uFDD1', '\uFDD2\\']);
  });

  it('streams multi-byte UTF-8 split across read chunks', async () => {
    const text = 'é😀\\"'.repeat(30_000);
    const file = put(tempDir(), 'tir.csv', `"id","text"\n"1","${text}"\n`);
    const got = await readAll(file, opts);
    expect(got[1]!.fields[1]).toBe('é😀"'.repeat(30_000));
  });
});

describe('an open quote over many read chunks', () => {
  it('is reported once, and every row below it is read (recover)', async () => {
    const rows = ['id,text,label', '1,"opens and never closes,a'];
    for (let i = 2; i <= 30_000; i++) rows.push(`${i},row ${i},b`);
    const file = put(tempDir(), 'open.csv', `${rows.join('\n')}\n`);
    const got = await readAll(file, { unclosedQuotes: 'recover' });
    expect(got).toHaveLength(30_001);
    expect(got[1]).toEqual({
      fields: ['1', 'opens and never closes,a'],
      row: 2,
      line: 2,
      unclosedQuote: { field: 2, swallowedLines: [3, 30_001], swallowedRecords: 29_999, closed: false },
    });
    expect(got.at(-1)).toEqual({ fields: ['30000', 'row 30000', 'b'], row: 30_001, line: 30_001 });
  });

  it('throws INVALID_FORMAT at the line where it opens (error), after blank lines and CRLF line breaks in quotes', () => {
    try {
      parseCsv('id,text\r\n1,"two\r\nlines"\r\n\r\n\r\n2,"open\r\n3,x\r\n');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(MmauxDatasetError);
      expect((e as MmauxDatasetError).code).toBe('INVALID_FORMAT');
      expect((e as MmauxDatasetError).message).toContain('the quoted field that starts on line 6 (row 3) is never closed');
    }
  });

  it('in the header cannot be recovered from', () => {
    expect(() => parseCsv('id,"text\n1,x\n', { unclosedQuotes: 'recover' })).toThrow(/starts on line 1 \(row 1\) is never closed/);
  });

  it('opening on the last line swallows nothing', () => {
    const rows = parseCsv('id,text\n1,ok\n2,"open', { unclosedQuotes: 'recover' });
    expect(rows.at(-1)).toEqual({ fields: ['2', 'open'], row: 3, line: 3, unclosedQuote: { field: 2, swallowedLines: null, swallowedRecords: 0, closed: false } });
  });
});
