// The incremental CSV tokenizer behind parseCsv and readCsvRecords, with the recovery from a
// quote left open: RFC 4180 reads such a field on to the next quote anywhere below, folding the
// following lines into one record; with `unclosedQuotes: 'recover'` that record is reported on
// its own (the line where the quote opens, the lines it would swallow) and reading goes on at
// the next line, so every physical record is still read.
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
  /**
   * A quote left open. `'error'`: a quoted field still open at the end of the input throws
   * `INVALID_FORMAT` naming the line where it opens (a quote closed by a later, unrelated quote
   * goes unnoticed). `'recover'`: a record whose quoted field spans lines is taken to be an
   * unclosed quote when the record is not well formed (see `isRecord`), when one of the lines it
   * folded in is a well-formed record on its own, or when the quote is never closed; that
   * record comes back with {@link CsvRecord.unclosedQuote} set and only the fields of its first
   * line, and reading starts again at the next line, so the rows it would have swallowed are
   * read as rows.
   * @defaultValue `'error'`
   */
  unclosedQuotes?: 'error' | 'recover';
  /**
   * With `unclosedQuotes: 'recover'`: whether the fields of a record (not the header) are a
   * well-formed row, e.g. the header's field count plus a valid id and label. Called with the
   * fields and the first record's fields (the header), possibly before the header has reached
   * the caller.
   * @defaultValue as many fields as the header
   */
  isRecord?: (fields: readonly string[], header: readonly string[]) => boolean;
}

/** What {@link CsvRecord.unclosedQuote} says about a quote left open. */
export interface UnclosedQuote {
  /** 1-based number of the field whose quote opens and is not closed on its line. */
  field: number;
  /** First and last line the quote would fold into this record, or `null` when it opens on the last line. */
  swallowedLines: [number, number] | null;
  /** How many of those lines are well-formed records on their own. */
  swallowedRecords: number;
  /** `false` when no later quote closes it (it runs to the end of the input). */
  closed: boolean;
}

/** One CSV record. */
export interface CsvRecord {
  /** The fields, unquoted (for an {@link unclosedQuote} record: the fields of its first line only, the open one cut at the line end). */
  fields: string[];
  /** 1-based record number (the header is row 1); blank lines are not rows. */
  row: number;
  /** 1-based line on which the record starts (differs from `row` after multi-line fields or blank lines). */
  line: number;
  /** Set (only with `unclosedQuotes: 'recover'`) when a quote in this row is left open; the row is not usable. */
  unclosedQuote?: UnclosedQuote;
}

const QUOTE = 34;
const BACKSLASH = 92;
const LF = 10;
const CR = 13;
const LINE_BREAK = /\r\n|\r|\n/;

const enum State {
  FieldStart,
  Unquoted,
  Quoted,
  QuoteInQuoted,
  EscapeInQuoted,
  EscapeInUnquoted,
}

/** The text after a leading line break (CRLF, LF or CR). */
function afterBreak(text: string): string {
  return text.startsWith('\r\n') ? text.slice(2) : text.charCodeAt(0) === LF || text.charCodeAt(0) === CR ? text.slice(1) : text;
}

/**
 * @internal An incremental RFC 4180 tokenizer: feed it text in chunks of any size, get
 * complete records back (the same records whatever the chunk sizes). CRLF, LF and CR line
 * ends; quoted fields may hold delimiters, quotes (doubled) and line breaks; a quote inside an
 * unquoted field is kept; text after a closing quote is appended (as Python's csv module does);
 * a leading BOM is dropped; blank lines are skipped.
 */
export class CsvTokenizer {
  private readonly delim: number;
  private readonly backslash: boolean;
  private readonly recover: boolean;
  private readonly isRecord: CsvOptions['isRecord'];
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
  /** The first record (the header). */
  private header: string[] | null = null;
  /** Recovery: the current record's first line break inside quotes, with the fields up to it. */
  private open: { fields: string[]; field: number } | null = null;
  /** Recovery: the raw text from that line break on, from earlier chunks. */
  private captured = '';
  /** Recovery: matches a strict RFC 4180 line (no stray quote; the closing line of a real multi-line field always has one). */
  private strictLine: RegExp | undefined;

  constructor(options: CsvOptions = {}, file?: string) {
    const d = options.delimiter ?? ',';
    if (d.length !== 1 || d === '"' || d === '\n' || d === '\r') {
      throw new MmauxDatasetError('INVALID_OPTION', `CSV: delimiter must be one character other than a quote or line break, got ${JSON.stringify(d)}.`);
    }
    const u = options.unclosedQuotes ?? 'error';
    if (u !== 'error' && u !== 'recover') {
      throw new MmauxDatasetError('INVALID_OPTION', `CSV: unclosedQuotes must be 'error' or 'recover', got ${JSON.stringify(u)}.`);
    }
    if (options.isRecord !== undefined && typeof options.isRecord !== 'function') {
      throw new MmauxDatasetError('INVALID_OPTION', `CSV: isRecord must be a function of the fields, got ${typeof options.isRecord}.`);
    }
    this.delim = d.charCodeAt(0);
    this.backslash = options.backslashEscapes === true;
    this.recover = u === 'recover';
    this.isRecord = options.isRecord;
    this.file = file;
  }

  private endField(): void {
    this.fields.push(this.field);
    this.field = '';
  }

  private resetRecord(): void {
    this.fields = [];
    this.field = '';
    this.hasContent = false;
    this.state = State.FieldStart;
    this.open = null;
    this.captured = '';
  }

  private emit(out: CsvRecord[], record: CsvRecord): void {
    this.header ??= record.fields;
    out.push(record);
  }

  private endRecord(out: CsvRecord[]): void {
    if (this.hasContent || this.fields.length > 0) {
      this.fields.push(this.field);
      this.row += 1;
      this.emit(out, { fields: this.fields, row: this.row, line: this.recordLine });
    }
    this.resetRecord();
  }

  private wellFormed(fields: readonly string[]): boolean {
    const header = this.header ?? [];
    return this.isRecord ? this.isRecord(fields, header) : fields.length === header.length;
  }

  /** Whether one physical line is a well-formed record by itself. */
  private lineIsRecord(text: string): boolean {
    if (this.strictLine === undefined) {
      const d = String.fromCharCode(this.delim).replace(/[\\^$.*+?()[\]{}|\-]/g, '\\$&');
      const quoted = this.backslash ? '"(?:[^"\\\\]|""|\\\\[\\s\\S])*"' : '"(?:[^"]|"")*"';
      const bare = this.backslash ? `(?:[^"${d}\\\\]|\\\\[\\s\\S])*` : `[^"${d}]*`;
      const field = `(?:${quoted}|${bare})`;
      this.strictLine = new RegExp(`^${field}(?:${d}${field})*$`);
    }
    if (!this.strictLine.test(text)) return false;
    const t = new CsvTokenizer({ delimiter: String.fromCharCode(this.delim), backslashEscapes: this.backslash });
    t.first = false;
    const out: CsvRecord[] = [];
    t.push(text, out);
    if (t.state === State.Quoted || t.state === State.EscapeInQuoted) return false;
    t.end(out);
    return out.length === 1 && this.wellFormed(out[0]!.fields);
  }

  /** Reports the current record as a quote left open and returns the text to read again (its lines after the first). */
  private reportOpen(out: CsvRecord[], body: string, closed: boolean): string {
    const open = this.open ?? { fields: [...this.fields, this.field], field: this.fields.length + 1 };
    const lines = body === '' ? [] : body.split(LINE_BREAK);
    if (!closed && lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    const first = this.recordLine + 1;
    this.row += 1;
    this.emit(out, {
      fields: open.fields,
      row: this.row,
      line: this.recordLine,
      unclosedQuote: {
        field: open.field,
        swallowedLines: lines.length === 0 ? null : [first, first + lines.length - 1],
        swallowedRecords: lines.filter((l) => this.lineIsRecord(l)).length,
        closed,
      },
    });
    this.resetRecord();
    this.line = first;
    this.afterCR = false;
    this.quotedCR = false;
    return body;
  }

  /**
   * A record with a line break inside quotes has ended (`raw`: its text from that break on).
   * Emits it, or reports it as an unclosed quote and returns the text to read again.
   */
  private settle(out: CsvRecord[], raw: string): string | null {
    const body = afterBreak(raw);
    if (this.row > 0) {
      const merged = [...this.fields, this.field];
      if (!this.wellFormed(merged) || body.split(LINE_BREAK).some((l) => this.lineIsRecord(l))) return this.reportOpen(out, body, true);
    }
    this.endRecord(out);
    return null;
  }

  /** Consumes `chunk`, appending the records it completes to `out`. */
  push(chunk: string, out: CsvRecord[]): void {
    let s = chunk;
    if (this.first) {
      this.first = false;
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
    }
    const delim = this.delim;
    const bs = this.backslash;
    let i = 0;
    if (this.afterCR && s.length > 0) {
      this.afterCR = false;
      if (s.charCodeAt(0) === LF) i = 1;
    }
    // Where this chunk's part of the recovery capture starts (-1: not capturing).
    let captureFrom = this.open !== null ? 0 : -1;
    let n = s.length;
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
        if (j === n) break;
        i = j + 1;
        if (c === delim) {
          this.hasContent = true;
          this.endField();
          this.state = State.FieldStart;
        } else if (c === LF || c === CR) {
          if (this.open !== null) {
            const replay = this.settle(out, this.captured + s.slice(captureFrom, j));
            captureFrom = -1;
            if (replay !== null) {
              // Read the swallowed lines again, then the rest of this chunk (from the break that ended the record).
              s = replay + s.slice(j);
              n = s.length;
              i = 0;
              continue;
            }
          } else this.endRecord(out);
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
          if (c === CR || c === LF) {
            if (this.recover && this.open === null) {
              this.open = { fields: [...this.fields, this.field + s.slice(i, j)], field: this.fields.length + 1 };
              captureFrom = j;
            }
            if (c === CR || !cr) this.line += 1;
          }
          cr = c === CR;
          j++;
        }
        this.quotedCR = j === n ? cr : false;
        this.field += s.slice(i, j);
        if (j === n) break;
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
    if (this.open !== null && captureFrom >= 0) this.captured += s.slice(captureFrom);
  }

  /** Ends the input; appends the last record, if any, to `out`. */
  end(out: CsvRecord[]): void {
    if (this.state === State.Quoted || this.state === State.EscapeInQuoted) {
      // A header that never closes its quote cannot be recovered from: nothing says what a row is.
      if (!this.recover || this.row === 0) {
        throw new MmauxDatasetError(
          'INVALID_FORMAT',
          `CSV${this.file ? ` ${this.file}` : ''}: the quoted field that starts on line ${this.recordLine} (row ${this.row + 1}) is never closed; check that quotes inside fields are doubled ("") or backslash-escaped (\\").`,
          { file: this.file, row: this.row + 1 },
        );
      }
      const replay = this.reportOpen(out, this.open === null ? '' : afterBreak(this.captured), false);
      if (replay !== '') {
        this.push(replay, out);
        this.end(out);
      }
      return;
    }
    if (this.state === State.EscapeInUnquoted) this.field += '\\';
    if (!(this.hasContent || this.fields.length > 0 || this.field !== '')) return;
    if (this.open === null) {
      this.endRecord(out);
      return;
    }
    const replay = this.settle(out, this.captured);
    if (replay !== null && replay !== '') {
      this.push(replay, out);
      this.end(out);
    }
  }
}
