/**
 * CSV reader benchmark for @mmaux/datasets (`pnpm exec tsx bench/csv.bench.ts`):
 * parseCsv and readCsvRecords on generated 200,000-row files (a manifest with quoted texts and
 * doubled quotes, TIR's backslash escapes, multi-line texts, rows of the wrong width) and the
 * recovery options the loaders use. Prints timings only; nothing here is asserted. Each figure
 * is the median of several runs after one warm-up run.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CsvOptions, parseCsv, readCsvRecords } from '../src/formats/csv.js';
import { medianMs } from '../../../scripts/bench-utils/median-ms.js';

const ROWS = 200_000;
const root = mkdtempSync(join(tmpdir(), 'mmaux-csv-bench-'));

/** A deterministic tweet-like text (the same file on every run). */
function text(i: number): string {
  const words = ['great', 'day', 'at', 'the', 'beach', 'with', 'friends', 'lol', "can't", 'wait', 'for', 'summer', 'new', 'menu', 'today', '😂'];
  const parts: string[] = [];
  for (let k = 0; k < 8 + (i % 9); k++) parts.push(words[(i * 7 + k * 13) % words.length]!);
  if (i % 5 === 0) parts.push('"quoted", with a comma');
  return parts.join(' ');
}

const lines = (header: string, row: (i: number) => string): string => `${[header, ...Array.from({ length: ROWS }, (_, i) => row(i))].join('\n')}\n`;
const doubled = (s: string) => `"${s.replaceAll('"', '""')}"`;
const backslashed = (s: string) => `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;

const files: Array<{ name: string; body: string; options: CsvOptions }> = [
  { name: 'manifest: quoted texts, doubled quotes', body: lines('id,text,image,label,split', (i) => `p${i},${doubled(text(i))},images/${i}.jpg,${i % 3},train`), options: {} },
  {
    name: "manifest, unclosedQuotes: 'recover' (as the loader)",
    body: lines('id,text,image,label,split', (i) => `p${i},${doubled(text(i))},images/${i}.jpg,${i % 3},train`),
    options: { unclosedQuotes: 'recover' },
  },
  {
    name: "TIR: all quoted, backslash escapes, 'recover'",
    body: lines('"tweet_id","user_id","tweet","a","b","c","d"', (i) => [`"${9e17 + i}"`, '"u"', backslashed(text(i)), '"1"', '"0"', '"0"', '"1"'].join(',')),
    options: { backslashEscapes: true, unclosedQuotes: 'recover' },
  },
  {
    name: "multi-line texts (every 4th row), 'recover'",
    body: lines('id,text,label', (i) => `${i},${doubled(i % 4 === 0 ? `${text(i)}\nsecond line` : text(i))},${i % 2}`),
    options: { unclosedQuotes: 'recover' },
  },
  { name: 'every 2nd row one field short', body: lines('id,text,label', (i) => (i % 2 === 0 ? `${i},${doubled(text(i))}` : `${i},${doubled(text(i))},1`)), options: {} },
];

function report(name: string, ms: number, bytes: number): void {
  const rate = `${((ROWS / ms) * 1000 / 1e3).toFixed(0)} k rows/s, ${((bytes / ms) * 1000 / 1e6).toFixed(1)} MB/s`;
  console.log(`${name.padEnd(66)} ${`${ms.toFixed(0)} ms`.padStart(8)}   ${rate}`);
}

try {
  console.log(`@mmaux/datasets CSV reader (node ${process.version}, ${process.platform}/${process.arch}), ${ROWS.toLocaleString('en')} rows per file\n`);
  for (const { name, body, options } of files) {
    const file = join(root, 'bench.csv');
    writeFileSync(file, body);
    const bytes = Buffer.byteLength(body);
    let rows = 0;
    const msParse = await medianMs(3, async () => {
      rows = parseCsv(body, options).length;
    });
    if (rows !== ROWS + 1) throw new Error(`${name}: read ${rows} records, expected ${ROWS + 1}`);
    report(`parseCsv, ${name} (${(bytes / 1e6).toFixed(1)} MB)`, msParse, bytes);
    const msStream = await medianMs(3, async () => {
      rows = 0;
      for await (const _ of readCsvRecords(file, options)) rows++;
    });
    if (rows !== ROWS + 1) throw new Error(`${name}: streamed ${rows} records, expected ${ROWS + 1}`);
    report(`readCsvRecords, ${name}`, msStream, bytes);
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
