import { createReadStream } from 'node:fs';
import { MmauxDatasetError } from '../errors.js';

/** Options of {@link parseCsv} and {@link readCsvRecords}. */
export interface CsvOptions {
  /**
   * Field separator (one character).
   * @defaultValue `','`
   */
  delimiter?: string;
  /**
   * Also accept backslash-escaped quotes, as TIR's `textimage-data.csv` writes them: `\"` is a
   * quote and `\\` a backslash; a backslash before anything else stays as it is. Doubled quotes
   * (`""`) still work.
   * @defaultValue false
   */
  backslashEscapes?: boolean;
}

/** One CSV record. */
export interface CsvRecord {
  /** The fields, unquoted. */
  fields: string[];
  /** 1-based record number (the header is row 1); blank lines are not rows. */
  row: number;
  /** 1-based line on which the record starts (differs from `row` after multi-line fields or blank lines). */
  line: number;
}

const QUOTE = 34;
const BACKSLASH = 92;
const LF = 10;
const CR = 13;

const enum State {
  FieldStart,
  Unquoted,
  Quoted,
  QuoteInQuoted,
  EscapeInQuoted,
  EscapeInUnquoted,
}

/**
 * @internal An incremental RFC 4180 tokenizer: feed it text in chunks of any size, get
 * complete records back. CRLF, LF and CR line ends; quoted fields may hold delimiters, quotes
 * (doubled) and line breaks; a quote inside an unquoted field is kept; text after a closing
 * quote is appended (as Python's csv module does); a leading BOM is dropped; blank lines are
 * skipped.
 */
export class CsvTokenizer {
  private readonly delim: number;
  private readonly backslash: boolean;
  private readonly file: string | undefined;
  private state = State.FieldStart;
  private field = '';
  private fields: string[] = [];
  private hasContent = false;
  private line = 1;
  private recordLine = 1;
  private row = 0;
  private afterCR = false;
  private quotedCR = false;
  private first = true;

  constructor(options: CsvOptions = {}, file?: string) {
    const d = options.delimiter ?? ',';
    if (d.length !== 1 || d === '"' || d === '\n' || d === '\r') {
      throw new MmauxDatasetError('INVALID_OPTION', `CSV: delimiter must be one character other than a quote or line break, got ${JSON.stringify(d)}.`);
    }
    this.delim = d.charCodeAt(0);
    this.backslash = options.backslashEscapes === true;
    this.file = file;
  }

  private endField(): void {
    this.fields.push(this.field);
    this.field = '';
  }

  private endRecord(out: CsvRecord[]): void {
    if (this.hasContent || this.fields.length > 0) {
      this.fields.push(this.field);
      this.row += 1;
      out.push({ fields: this.fields, row: this.row, line: this.recordLine });
    }
    this.fields = [];
    this.field = '';
    this.hasContent = false;
    this.state = State.FieldStart;
  }

  /** Consumes `chunk`, appending the records it completes to `out`. */
  push(chunk: string, out: CsvRecord[]): void {
    let s = chunk;
    if (this.first) {
      this.first = false;
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
    }
    const n = s.length;
    const delim = this.delim;
    const bs = this.backslash;
    let i = 0;
    if (this.afterCR && n > 0) {
      this.afterCR = false;
      if (s.charCodeAt(0) === LF) i = 1;
    }
    while (i < n) {
      const state = this.state;
      if (state === State.Unquoted || state === State.FieldStart) {
        if (state === State.FieldStart && this.fields.length === 0 && !this.hasContent) this.recordLine = this.line;
        let j = i;
        let c = 0;
        while (j < n) {
          c = s.charCodeAt(j);
          if (c === delim || c === LF || c === CR || (bs && c === BACKSLASH) || (c === QUOTE && state === State.FieldStart && j === i)) break;
          j++;
        }
        if (j > i) {
          this.field += s.slice(i, j);
          this.hasContent = true;
          this.state = State.Unquoted;
        }
        if (j === n) return;
        i = j + 1;
        if (c === delim) {
          this.hasContent = true;
          this.endField();
          this.state = State.FieldStart;
        } else if (c === LF || c === CR) {
          this.endRecord(out);
          this.line += 1;
          if (c === CR) {
            if (i < n) {
              if (s.charCodeAt(i) === LF) i++;
            } else this.afterCR = true;
          }
        } else if (c === QUOTE) {
          this.hasContent = true;
          this.state = State.Quoted;
        } else {
          this.hasContent = true;
          this.state = State.EscapeInUnquoted;
        }
      } else if (state === State.Quoted) {
        let j = i;
        let c = 0;
        let cr = this.quotedCR;
        while (j < n) {
          c = s.charCodeAt(j);
          if (c === QUOTE || (bs && c === BACKSLASH)) break;
          // A CR, an LF, or a CRLF pair (possibly split across chunks) is one line break.
          if (c === CR) this.line += 1;
          else if (c === LF && !cr) this.line += 1;
          cr = c === CR;
          j++;
        }
        this.quotedCR = j === n ? cr : false;
        this.field += s.slice(i, j);
        if (j === n) return;
        i = j + 1;
        this.state = c === QUOTE ? State.QuoteInQuoted : State.EscapeInQuoted;
      } else if (state === State.QuoteInQuoted) {
        const c = s.charCodeAt(i);
        if (c === QUOTE) {
          this.field += '"';
          this.state = State.Quoted;
          i++;
        } else {
          // The field's closing quote: what follows it up to the delimiter is kept as text.
          this.state = State.Unquoted;
        }
      } else {
        const c = s.charCodeAt(i);
        if (c === QUOTE || c === BACKSLASH) {
          this.field += s[i];
          i++;
        } else {
          this.field += '\\';
        }
        this.state = state === State.EscapeInQuoted ? State.Quoted : State.Unquoted;
      }
    }
  }

  /** Ends the input; returns the last record, if any. */
  end(out: CsvRecord[]): void {
    if (this.state === State.Quoted || this.state === State.EscapeInQuoted) {
      throw new MmauxDatasetError(
        'INVALID_FORMAT',
        `CSV${this.file ? ` ${this.file}` : ''}: the quoted field that starts on line ${this.recordLine} (row ${this.row + 1}) is never closed; check that quotes inside fields are doubled ("") or backslash-escaped (\\").`,
        { file: this.file, row: this.row + 1 },
      );
    }
    if (this.state === State.EscapeInUnquoted) this.field += '\\';
    if (this.hasContent || this.fields.length > 0 || this.field !== '') this.endRecord(out);
  }
}

/**
 * Parses CSV text (RFC 4180: quoted fields with doubled quotes, delimiters and line breaks;
 * CRLF, LF or CR line ends; a leading BOM and blank lines ignored). With `backslashEscapes`,
 * `\"` and `\\` inside fields are also accepted, as in TIR's `textimage-data.csv`.
 *
 * @param text - the whole CSV text
 * @param options - `delimiter` (default `','`), `backslashEscapes` (default false)
 * @returns every record, the header included (row 1)
 * @throws MmauxDatasetError `INVALID_FORMAT` for a quoted field that is never closed (naming its line)
 *
 * @example
 * ```ts
 * parseCsv('id,text\n1,"say ""hi"", ok"\n').map((r) => r.fields); // [["id","text"],["1","say \"hi\", ok"]]
 * parseCsv('"1","she said \\"no\\""', { backslashEscapes: true })[0].fields; // ["1","she said \"no\""]
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
 * used is one read chunk plus the records not yet consumed. Same rules as {@link parseCsv}.
 *
 * @param file - path of the CSV file
 * @param options - `delimiter`, `backslashEscapes`
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
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 16 });
  let out: CsvRecord[] = [];
  for await (const chunk of stream) {
    tokenizer.push(chunk as string, out);
    if (out.length > 0) {
      const batch = out;
      out = [];
      yield* batch;
    }
  }
  tokenizer.end(out);
  yield* out;
}
