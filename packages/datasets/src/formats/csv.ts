import { createReadStream } from 'node:fs';
import { type CsvOptions, type CsvRecord, CsvTokenizer } from './csv-tokenizer.js';

export { CsvTokenizer } from './csv-tokenizer.js';
export type { CsvOptions, CsvRecord, UnclosedQuote } from './csv-tokenizer.js';

/**
 * Parses CSV text with csv-parse (RFC 4180: quoted fields with doubled quotes, delimiters and
 * line breaks; CRLF, LF or CR line ends, even mixed; a leading BOM and blank lines ignored;
 * stray quotes kept as text, as csv-parse's `relax_quotes` reads them: `5" tall` and `"ab"cd`
 * stay as written; rows may have any number of fields). With `backslashEscapes`, `\"` and
 * `\\` inside fields are also accepted, as in TIR's `textimage-data.csv`. With
 * `unclosedQuotes: 'recover'`, a quote left open does not fold the following rows into one
 * field: its row comes back with `unclosedQuote` (where it opens, which lines it would swallow)
 * and the next lines are read as rows.
 *
 * @param text - the whole CSV text
 * @param options - `delimiter` (default `','`), `backslashEscapes` (default false),
 *   `unclosedQuotes` (`'error'`), `isRecord`
 * @returns every record, the header included (row 1)
 * @throws MmauxDatasetError `INVALID_FORMAT` for a quoted field that is never closed (naming its
 *   line; with `unclosedQuotes: 'recover'` only in the header); `INVALID_OPTION` for a bad option
 *
 * @example
 * ```ts
 * parseCsv('id,text\n1,"say ""hi"", ok"\n').map((r) => r.fields); // [["id","text"],["1","say \"hi\", ok"]]
 * parseCsv('"1","she said \\"no\\""', { backslashEscapes: true })[0].fields; // ["1","she said \"no\""]
 * const rows = parseCsv('id,text\n1,"open\n2,two\n3,"x"\n', { unclosedQuotes: 'recover' });
 * rows.map((r) => r.fields[0]); // ["id","1","2","3"]
 * rows[1].unclosedQuote; // {"field": 2, "swallowedLines": [3, 4], "swallowedRecords": 2, "closed": true}
 * ```
 */
export function parseCsv(text: string, options: CsvOptions = {}): CsvRecord[] {
  const out: CsvRecord[] = [];
  const t = new CsvTokenizer(options);
  t.push(text, out);
  t.end(out);
  return out;
}

/**
 * Streams the records of a CSV file (UTF-8) without holding the file in memory: the memory
 * used is one read chunk, the record being read (a field spanning chunks is held until it ends,
 * at most twice its size) and the records not yet consumed. Same rules as {@link parseCsv}.
 *
 * @param file - path of the CSV file
 * @param options - `delimiter`, `backslashEscapes`, `unclosedQuotes`, `isRecord`
 * @returns an async iterator over the records, header first
 * @throws MmauxDatasetError `INVALID_FORMAT` for an unclosed quoted field; the file system's
 *   error when the file cannot be read
 *
 * @example
 * ```ts
 * const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mmaux-doc-'));
 * const file = path.join(dir, 'a.csv');
 * fs.writeFileSync(file, 'id,text\n1,hello\n2,"two\nlines"\n');
 * const rows = [];
 * for await (const r of readCsvRecords(file)) rows.push(r.row + ':' + r.fields.join('|'));
 * rows; // ["1:id|text","2:1|hello","3:2|two\nlines"]
 * fs.rmSync(dir, { recursive: true });
 * ```
 */
export async function* readCsvRecords(file: string, options: CsvOptions = {}): AsyncGenerator<CsvRecord, void, undefined> {
  const tokenizer = new CsvTokenizer(options, file);
  // Bytes, not text: csv-parse decodes each field, so a character split between chunks is whole.
  const stream = createReadStream(file, { highWaterMark: 1 << 16 });
  let out: CsvRecord[] = [];
  for await (const chunk of stream) {
    tokenizer.push(chunk as Buffer, out);
    if (out.length > 0) {
      const batch = out;
      out = [];
      yield* batch;
    }
  }
  tokenizer.end(out);
  yield* out;
}
