// A quote left open in a CSV row costs that row only: the report names where it opens and the
// lines it would have swallowed, and the rows below are read as rows (or strict: true throws).
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { CsvTokenizer, type CsvRecord, parseCsv } from '../src/formats/csv.js';
import { loadDataset } from '../src/load-dataset.js';
import { formatLoadReport } from '../src/report.js';
import { expectDatasetError, expectNothingLost, put, removeTempDirs, tempDir } from './helpers.js';

afterAll(removeTempDirs);

/** A manifest of 60 posts (rows 2–61); `row4` replaces post 4's line; post 10's text is quoted. */
function manifest(row4: string, text10 = '"a quoted text"'): string {
  const lines = ['id,text,image,label,split'];
  for (let i = 1; i <= 60; i++) {
    const split = i % 10 === 0 ? 'test' : i % 10 === 5 ? 'val' : 'train';
    const text = i === 10 ? text10 : `post number ${i}`;
    lines.push(i === 4 ? row4 : `${i},${text},,${i % 2 ? 'a' : 'b'},${split}`);
  }
  return `${lines.join('\n')}\n`;
}

function chunked(text: string, size: number): CsvRecord[] {
  const t = new CsvTokenizer({ unclosedQuotes: 'recover' });
  const out: CsvRecord[] = [];
  for (let i = 0; i < text.length; i += size) t.push(text.slice(i, i + size), out);
  t.end(out);
  return out;
}

describe('an unclosed quote in row 4 of a 60-post manifest', () => {
  // Row 4's quote closes at the first quote of row 10: RFC 4180 reads rows 4–10 as one record
  // that happens to have the header's 5 fields, silently losing rows 5–10.
  const silent = manifest('4,"this quote is never closed,,b,train');
  // Closed by nothing: the rest of the file would be one field.
  const endless = manifest('4,"open to the end,,b,train', 'plain text');

  it('as plain RFC 4180 it swallows rows 5–10 without a trace (what the recovery prevents)', () => {
    const rows = parseCsv(silent);
    expect(rows).toHaveLength(55);
    expect(rows[4]!.fields).toHaveLength(5);
  });

  it('loses only row 4, names where the quote opens and what it would swallow, and reads the other 59', async () => {
    const file = put(tempDir(), 'manifest.csv', silent);
    const { posts, report } = await loadDataset('manifest', file);
    expect(report.read).toBe(60);
    expect(report.kept).toBe(59);
    expect(posts.map((p) => p.id)).toEqual(Array.from({ length: 60 }, (_, i) => String(i + 1)).filter((id) => id !== '4'));
    expect(posts.find((p) => p.id === '10')!.text).toBe('a quoted text');
    expect(report.skipped['unclosed-quote']).toMatchObject({ count: 1, ids: ['4'] });
    const m = report.skipped['unclosed-quote']!.message;
    expect(m).toContain('manifest.csv row 5, column text (id 4)');
    expect(m).toContain('the quote that opens field 2 (text) on line 5');
    expect(m).toContain('it would swallow lines 6–11 (6 of these 6 lines are rows of their own)');
    expect(m).toContain('reading goes on at line 6');
    expect(report.problemRows).toEqual([{ outcome: 'skipped', reason: 'unclosed-quote', id: '4', file, row: 5, message: m }]);
    expectNothingLost(report);
    expect(formatLoadReport(report)).toMatch(/unclosed-quote: 1 \(4\)/);
  });

  it('recovers the same way when nothing closes the quote', async () => {
    const file = put(tempDir(), 'manifest.csv', endless);
    const { report } = await loadDataset('manifest', file);
    expect([report.read, report.kept]).toEqual([60, 59]);
    expect(report.skipped['unclosed-quote']!.message).toContain('is not closed on that line nor anywhere below; read as RFC 4180 it would swallow lines 6–61 and everything after (56 of these 56 lines');
  });

  it('recovers when the swallowed record has the wrong field count (the case the old reader reported as one wrong-field-count row)', async () => {
    const file = put(tempDir(), 'manifest.csv', manifest('4,"unclosed text,,b,train', '"a quoted, comma text"'));
    expect(parseCsv(readFileSync(file, 'utf8'))[4]!.fields).toHaveLength(6);
    const { report } = await loadDataset('manifest', file);
    expect([report.read, report.kept]).toEqual([60, 59]);
    expect(Object.keys(report.skipped)).toEqual(['unclosed-quote']);
  });

  it('a real multi-line text is kept as one field', async () => {
    const file = put(tempDir(), 'manifest.csv', manifest('4,"first line\nsecond line, still text",,b,train'));
    const { posts, report } = await loadDataset('manifest', file);
    expect([report.read, report.kept]).toEqual([60, 60]);
    expect(posts.find((p) => p.id === '4')!.text).toBe('first line\nsecond line, still text');
  });

  it('strict: true throws INVALID_FORMAT at that row', async () => {
    const file = put(tempDir(), 'manifest.csv', silent);
    const err = await expectDatasetError(() => loadDataset('manifest', file, { strict: true }), 'INVALID_FORMAT', 'row 5', 'would swallow lines 6–11', 'strict: true stops');
    expect([err.row, err.id, err.column]).toEqual([5, '4', 'text']);
  });

  it('gives the same records whatever the chunk size', () => {
    for (const text of [silent, endless, silent.replace(/\n/g, '\r\n')]) {
      const whole = parseCsv(text, { unclosedQuotes: 'recover' });
      expect(whole).toHaveLength(61);
      for (const size of [1, 2, 3, 7, 64]) expect(chunked(text, size)).toEqual(whole);
    }
  });
});

describe('unclosed quotes in the paper data sets', () => {
  it("TIR (backslash escapes): the open row is skipped, the rows below kept", async () => {
    const dir = tempDir();
    const row = (id: number, text: string, hot: string) => `"${id}","u${id}",${text},"1","1",${hot}`;
    put(
      dir,
      'textimage-data.csv',
      [
        '"tweet_id","user_id","tweet","text_is_represented","image_adds","image_adds_text_repr","image_adds_text_notrepr","image_notadds_text_repr","image_notadds_text_notrepr"',
        row(1, '"she said \\"hi\\""', '"1","0","0","0"'),
        row(2, '"no class"', '"0","1","0","0'), // the last field's closing quote is missing
        row(3, '"fine"', '"0","0","1","0"'),
        row(4, '"also fine"', '"0","0","0","1"'),
      ].join('\n'),
    );
    const { posts, report } = await loadDataset('tir', dir, { checkImageFiles: false });
    expect(posts.map((p) => p.id)).toEqual(['1', '3', '4']);
    expect(report.skipped['unclosed-quote']).toMatchObject({ count: 1, ids: ['2'] });
    expect(report.skipped['unclosed-quote']!.message).toMatch(/row 3, column image_notadds_text_notrepr \(id 2\): the quote that opens field 9 \(image_notadds_text_notrepr\) on line 3/);
  });
});
