// The incremental CSV reader behind parseCsv and readCsvRecords. csv-parse does the tokenising;
// this file feeds it the input in pieces it can finish, numbers rows and lines, and adds the one
// thing csv-parse cannot do: with `unclosedQuotes: 'recover'`, a quote left open costs its own
// row only. RFC 4180 reads such a field on to the next quote anywhere below, folding the
// following lines into one record; here that record is reported on its own (the line where the
// quote opens, the lines it would swallow) and csv-parse starts again at its second line, so
// every physical record is still read.
import { CsvError, type InfoRecord, type Options, parse } from 'csv-parse/sync';
import { MmauxDatasetError } from '../errors.js';
import { BackslashEscapes, decodeBackslashEscapes } from './csv-backslash-escapes.js';
import { openLineFields, recordLines, strictLineFields } from './csv-open-quote.js';

/** Options of {@link parseCsv} and {@link readCsvRecords}. */
export interface CsvOptions {
  /**
   * Field separator (one character).
   * @defaultValue `','`
   */
  delimiter?: string;
  /**
   * Also accept backslash-escaped quotes, as TIR's `textimage-data.csv` writes them: `\"` is a
   * quote and `\\` a backslash, inside quoted fields and bare ones; a backslash before anything
   * else stays as it is. Doubled quotes (`""`) still work.
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

/** Thrown from csv-parse's `on_record` to stop reading: the record may go on in the next chunk. */
const WAIT_FOR_MORE = Symbol('wait for more input');
/** Thrown from `on_record` to stop reading: the record was an open quote; read again from its second line. */
const READ_AGAIN = Symbol('read again');

/** Line breaks inside a record's fields (CRLF, CR or LF each count once). */
function lineBreaks(fields: readonly string[]): number {
  let n = 0;
  for (const f of fields) {
    for (let i = f.indexOf('\n'); i >= 0; i = f.indexOf('\n', i + 1)) n++;
    for (let i = f.indexOf('\r'); i >= 0; i = f.indexOf('\r', i + 1)) if (f.charCodeAt(i + 1) !== 10) n++;
  }
  return n;
}

/** Blank lines at the start of `text` (csv-parse skips them). */
function leadingBlankLines(text: string): number {
  return (/^[\r\n]*/.exec(text)![0].match(/\r\n|\r|\n/g) ?? []).length;
}

/**
 * @internal An incremental CSV reader on csv-parse: feed it the input in chunks of any size, get
 * complete records back (the same records whatever the chunk sizes). RFC 4180 with csv-parse's
 * `relax_quotes`: CRLF, LF and CR line ends, mixed; quoted fields may hold delimiters, doubled
 * quotes and line breaks; a quote inside a bare field is kept, and so is a quoted field's text
 * after its closing quote (quotes included); a leading BOM is dropped; blank lines are skipped;
 * rows may have any number of fields.
 */
export class CsvTokenizer {
  private readonly delimiter: string;
  private readonly escapes: BackslashEscapes | undefined;
  private readonly recover: boolean;
  private readonly isRecord: CsvOptions['isRecord'];
  private readonly file: string | undefined;
  private readonly options: Options;
  /** Input not yet read into records (from the end of the last record on), in chunks. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /**
   * Read again once this many bytes are pending: twice what the last read left unfinished, so a
   * record still open after many chunks is re-read a logarithmic number of times, not per chunk.
   */
  private readAt = 0;
  /** Whether the pending input starts at the start of the input (where a BOM may be). */
  private atStart = true;
  /** The physical line on which the pending input starts. */
  private line = 1;
  private row = 0;
  /** The first record (the header). */
  private header: string[] | undefined;
  /** The high surrogate that ended the last text chunk. */
  private highSurrogate = '';

  constructor(options: CsvOptions = {}, file?: string) {
    const d = options.delimiter ?? ',';
    if (typeof d !== 'string' || d.length !== 1 || d === '"' || d === '\n' || d === '\r') {
      throw new MmauxDatasetError('INVALID_OPTION', `CSV: delimiter must be one character other than a quote or line break, got ${JSON.stringify(d)}.`);
    }
    const u = options.unclosedQuotes ?? 'error';
    if (u !== 'error' && u !== 'recover') {
      throw new MmauxDatasetError('INVALID_OPTION', `CSV: unclosedQuotes must be 'error' or 'recover', got ${JSON.stringify(u)}.`);
    }
    if (options.isRecord !== undefined && typeof options.isRecord !== 'function') {
      throw new MmauxDatasetError('INVALID_OPTION', `CSV: isRecord must be a function of the fields, got ${typeof options.isRecord}.`);
    }
    this.delimiter = d;
    this.escapes = options.backslashEscapes === true ? new BackslashEscapes() : undefined;
    this.recover = u === 'recover';
    this.isRecord = options.isRecord;
    this.file = file;
    this.options = {
      delimiter: d,
      // Python's csv module and pandas are lenient about stray quotes; so is the reader.
      relax_quotes: true,
      // A row with the wrong field count is the loader's to report, with its row number.
      relax_column_count: true,
      skip_empty_lines: true,
      // Any of the three line ends, even mixed in one file (csv-parse otherwise keeps the first it sees).
      record_delimiter: ['\r\n', '\n', '\r'],
    };
  }

  /** Consumes `chunk` (text, or UTF-8 bytes), appending the records it completes to `out`. */
  push(chunk: string | Uint8Array, out: CsvRecord[]): void {
    let input = chunk;
    if (typeof input === 'string') {
      // Text becomes UTF-8 bytes: half of a surrogate pair waits for its other half.
      input = this.highSurrogate + input;
      const last = input.charCodeAt(input.length - 1);
      this.highSurrogate = last >= 0xd800 && last <= 0xdbff ? input.slice(-1) : '';
      if (this.highSurrogate !== '') input = input.slice(0, -1);
    }
    this.append(this.escapes ? this.escapes.encode(input) : typeof input === 'string' ? Buffer.from(input) : Buffer.from(input.buffer, input.byteOffset, input.byteLength));
    if (this.pendingBytes > 0 && this.pendingBytes >= this.readAt) this.read(out, false);
  }

  /** Ends the input; appends the last records, if any, to `out`. */
  end(out: CsvRecord[]): void {
    const rest = this.highSurrogate;
    this.highSurrogate = '';
    if (this.escapes) this.append(Buffer.concat([this.escapes.encode(rest), this.escapes.end()]));
    else this.append(Buffer.from(rest));
    this.read(out, true);
  }

  private append(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
  }

  private fields(raw: string[]): string[] {
    return this.escapes ? raw.map(decodeBackslashEscapes) : raw;
  }

  private wellFormed(fields: readonly string[]): boolean {
    const header = this.header ?? [];
    return this.isRecord ? this.isRecord(fields, header) : fields.length === header.length;
  }

  /** Whether one physical line is a well-formed record by itself. */
  private lineIsRecord(line: string): boolean {
    const fields = strictLineFields(line, this.delimiter);
    return fields !== undefined && this.wellFormed(this.fields(fields));
  }

  private emit(out: CsvRecord[], record: CsvRecord): void {
    this.header ??= record.fields;
    this.row = record.row;
    out.push(record);
  }

  /** Reads the pending input into records; with `final`, all of it. */
  private read(out: CsvRecord[], final: boolean): void {
    let input = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    for (;;) {
      const { used, again } = this.readOnce(input, final, out);
      if (used > 0) this.atStart = false;
      input = input.subarray(used);
      if (!again) break;
    }
    this.pending = input.length > 0 ? [input] : [];
    this.pendingBytes = input.length;
    this.readAt = 2 * input.length;
  }

  /**
   * One csv-parse pass over `input`. Returns how many bytes the records taken from it used, and
   * whether to read the rest again at once (after an open quote, from its record's second line).
   */
  private readOnce(input: Buffer, final: boolean, out: CsvRecord[]): { used: number; again: boolean } {
    let used = 0;
    // csv-parse's counters at the end of the last record taken.
    let lines = 0;
    let blanks = 0;
    const onRecord = (raw: string[], info: InfoRecord): null => {
      if (!final && info.bytes >= input.length) throw WAIT_FOR_MORE;
      const skipped = info.empty_lines - blanks;
      const line = this.line + skipped;
      // csv-parse counts a CRLF inside quotes as two lines, so its count only says whether the
      // record spans lines; the fields hold its line breaks as they were.
      const breaks = info.lines - lines - skipped > 1 ? lineBreaks(raw) : 0;
      const fields = this.fields(raw);
      if (breaks > 0 && this.recover && this.row > 0) {
        const text = input.toString('utf8', used, info.bytes);
        const split = recordLines(text, true);
        if (!this.wellFormed(fields) || split.rest.some((l) => this.lineIsRecord(l))) {
          this.reportOpen(out, split, line, true);
          used += split.secondLineAt;
          throw READ_AGAIN;
        }
      }
      this.emit(out, { fields, row: this.row + 1, line });
      this.line = line + breaks + 1;
      used = info.bytes;
      lines = info.lines;
      blanks = info.empty_lines;
      return null;
    };
    const stackTraceLimit = Error.stackTraceLimit;
    try {
      // With relax_column_count csv-parse still builds (and drops) a CsvError for every row of
      // another width; its stack is a third of that cost (200k short rows: 2.5 → 1.7 s). Errors
      // that reach the caller are wrapped below with a stack of ours; the cause keeps the message.
      Error.stackTraceLimit = 0;
      try {
        parse(input, { ...this.options, bom: this.atStart, on_record: onRecord });
      } finally {
        Error.stackTraceLimit = stackTraceLimit;
      }
    } catch (e) {
      if (e === WAIT_FOR_MORE) return { used, again: false };
      if (e === READ_AGAIN) return { used, again: true };
      if (e instanceof CsvError && e.code === 'CSV_QUOTE_NOT_CLOSED') {
        if (!final) return { used, again: false };
        return this.neverClosed(input, used, out);
      }
      if (e instanceof CsvError) {
        throw new MmauxDatasetError(
          'INVALID_FORMAT',
          `CSV${this.file ? ` ${this.file}` : ''}: row ${this.row + 1} (from line ${this.line}): ${e.message} (csv-parse ${e.code}).`,
          { file: this.file, row: this.row + 1 },
          { cause: e },
        );
      }
      throw e;
    }
    return { used: final ? input.length : used, again: false };
  }

  /** The input ends inside a quoted field that opens after byte `used`. */
  private neverClosed(input: Buffer, used: number, out: CsvRecord[]): { used: number; again: boolean } {
    const text = input.toString('utf8', used);
    const line = this.line + leadingBlankLines(text);
    // A header that never closes its quote cannot be recovered from: nothing says what a row is.
    if (!this.recover || this.row === 0) {
      throw new MmauxDatasetError(
        'INVALID_FORMAT',
        `CSV${this.file ? ` ${this.file}` : ''}: the quoted field that starts on line ${line} (row ${this.row + 1}) is never closed; check that quotes inside fields are doubled ("") or backslash-escaped (\\").`,
        { file: this.file, row: this.row + 1 },
      );
    }
    const split = recordLines(text, false);
    this.reportOpen(out, split, line, false);
    return split.rest.length === 0 ? { used: input.length, again: false } : { used: used + split.secondLineAt, again: true };
  }

  /** Reports a record as a quote left open; reading goes on at its second line. */
  private reportOpen(out: CsvRecord[], split: ReturnType<typeof recordLines>, line: number, closed: boolean): void {
    const fields = this.fields(openLineFields(split.first, this.delimiter));
    const n = split.rest.length;
    this.emit(out, {
      fields,
      row: this.row + 1,
      line,
      unclosedQuote: {
        field: fields.length,
        swallowedLines: n === 0 ? null : [line + 1, line + n],
        swallowedRecords: split.rest.filter((l) => this.lineIsRecord(l)).length,
        closed,
      },
    });
    this.line = line + 1;
  }
}
