import { createReadStream } from 'node:fs';

/** @internal One line of a text file. */
export interface TextLine {
  /** The line without its line break (`\n`, `\r\n` or a lone `\r` at the end). */
  text: string;
  /** 1-based line number. */
  line: number;
}

/**
 * @internal Streams the lines of a UTF-8 text file (a leading BOM dropped), holding one read
 * chunk at a time. Every line is yielded, blank ones included; a final line break does not
 * start an extra empty line.
 */
export async function* readLines(file: string): AsyncGenerator<TextLine, void, undefined> {
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 16 });
  let rest = '';
  let line = 0;
  let first = true;
  for await (const chunk of stream) {
    let s = rest + (chunk as string);
    if (first) {
      first = false;
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
    }
    let start = 0;
    const batch: TextLine[] = [];
    for (;;) {
      const nl = s.indexOf('\n', start);
      if (nl < 0) break;
      const end = nl > start && s.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      batch.push({ text: s.slice(start, end), line: ++line });
      start = nl + 1;
    }
    rest = s.slice(start);
    yield* batch;
  }
  if (rest !== '') yield { text: rest.endsWith('\r') ? rest.slice(0, -1) : rest, line: ++line };
}
