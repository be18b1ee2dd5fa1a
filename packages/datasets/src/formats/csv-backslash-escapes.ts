// TIR's `\"` and `\\` as csv-parse can read them. csv-parse's own `escape: '\\'` does not fit:
// it drops a backslash before any other character (`¯\_(ツ)_/¯` would lose it), it turns doubled
// quotes (`""`) off, and it only applies inside quoted fields. So before csv-parse sees the text,
// each escape becomes a Unicode noncharacter (U+FDD0 for `\"`, U+FDD1 for `\\`), which csv-parse
// treats as plain text, and each field is mapped back afterwards. Noncharacters are reserved for
// such internal use; one that is in the input anyway is kept by prefixing it with U+FDD2.
import { StringDecoder } from 'node:string_decoder';

const QUOTE = '\uFDD0';
const BACKSLASH = '\uFDD1';
const LITERAL = '\uFDD2';
const ENCODE = /\\(["\\])|([\uFDD0-\uFDD2])/g;
const DECODE = /\uFDD2([\uFDD0-\uFDD2])|[\uFDD0\uFDD1]/g;
const ENCODED = /[\uFDD0-\uFDD2]/;

function encode(text: string): string {
  return text.replace(ENCODE, (_m, escaped: string | undefined, literal: string | undefined) =>
    escaped === undefined ? LITERAL + literal! : escaped === '"' ? QUOTE : BACKSLASH,
  );
}

/** A field as it was before {@link BackslashEscapes.encode}, its escapes resolved (`\"` → `"`, `\\` → `\`). */
export function decodeBackslashEscapes(field: string): string {
  return ENCODED.test(field) ? field.replace(DECODE, (m, literal: string | undefined) => literal ?? (m === QUOTE ? '"' : '\\')) : field;
}

/** @internal Rewrites a stream of chunks (any split) so that csv-parse reads backslash escapes as text. */
export class BackslashEscapes {
  private readonly utf8 = new StringDecoder('utf8');
  /** A backslash at the end of the last chunk, whose pair is in the next one. */
  private carry = '';

  /** The chunk, encoded (UTF-8 bytes), minus a trailing backslash that may pair with the next chunk. */
  encode(chunk: string | Uint8Array): Buffer {
    let text = this.carry + (typeof chunk === 'string' ? chunk : this.utf8.write(chunk));
    let run = 0;
    while (run < text.length && text.charCodeAt(text.length - 1 - run) === 92) run++;
    // Backslashes pair from the left, so only an odd run leaves the last one waiting.
    this.carry = run % 2 === 1 ? '\\' : '';
    if (this.carry !== '') text = text.slice(0, -1);
    return Buffer.from(encode(text));
  }

  /** The end of the input: what is still held, encoded. */
  end(): Buffer {
    const text = this.carry + this.utf8.end();
    this.carry = '';
    return Buffer.from(encode(text));
  }
}
