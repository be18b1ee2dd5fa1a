// The pieces of a record whose quoted field runs over several lines, for deciding whether the
// quote was really left open (see CsvOptions.unclosedQuotes): its first line, the lines it
// folds in, and where the second line starts, so that reading can start again there.
import { CsvError, parse } from 'csv-parse/sync';

const LINE_BREAK = /\r\n|\r|\n/;

/** A multi-line record's text, split at its line breaks. */
export interface RecordLines {
  /** Bytes before the record's first line (the blank lines csv-parse skipped). */
  skippedBytes: number;
  /** The record's first line, up to the line break inside its open quote. */
  first: string;
  /** Bytes from the record's start to its second line (`first` and the line break after it). */
  secondLineAt: number;
  /** The lines after the first, without the record's own terminating line break. */
  rest: string[];
}

/**
 * Splits the text csv-parse read as one record (from the end of the previous record to the end of
 * this one, blank lines included). With `closed: false` it is the rest of the input, ending
 * inside an open quote: a final line break then ends the last line rather than starting one.
 */
export function recordLines(text: string, closed: boolean): RecordLines {
  const body = text.replace(/^[\r\n]+/, '');
  const skippedBytes = text.length - body.length;
  // A record ends at a line break outside quotes (or at the end of the input); every break
  // before that is inside a quoted field.
  const end = closed ? body.replace(/(?:\r\n|\r|\n)$/, '') : body;
  const m = LINE_BREAK.exec(end);
  if (m === null) return { skippedBytes, first: end, secondLineAt: skippedBytes + Buffer.byteLength(end), rest: [] };
  const first = end.slice(0, m.index);
  const rest = end.slice(m.index + m[0].length).split(LINE_BREAK);
  if (!closed && rest[rest.length - 1] === '') rest.pop();
  return { skippedBytes, first, secondLineAt: skippedBytes + Buffer.byteLength(first) + m[0].length, rest };
}

/** The fields of a line that ends inside an open quote, the open field cut at the line end. */
export function openLineFields(line: string, delimiter: string): string[] {
  // Closing the quote at the line end gives csv-parse a whole record: the line ends inside that
  // quote (a quote before the line break would have closed it, unless doubled).
  return parse(`${line}"`, { delimiter, relax_quotes: true, relax_column_count: true })[0] ?? [''];
}

/**
 * The fields of one line when it is a strict RFC 4180 record on its own (no quote inside a bare
 * field, nothing between a closing quote and the delimiter, every quote closed), else undefined.
 * The closing line of a real multi-line field always has a stray quote, so it never passes.
 */
export function strictLineFields(line: string, delimiter: string): string[] | undefined {
  // Quoted fields hold their quotes in pairs (open and close, doubled inside), so a strict line
  // has an even number of them; most closing lines of a multi-line field fail here, before
  // csv-parse builds an error object for them.
  if (line === '' || (line.split('"').length - 1) % 2 === 1) return undefined;
  try {
    const records = parse(line, { delimiter, relax_column_count: true });
    return records.length === 1 ? records[0] : undefined;
  } catch (e) {
    if (e instanceof CsvError) return undefined;
    throw e;
  }
}
