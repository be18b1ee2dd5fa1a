import { MmauxDatasetError } from '../errors.js';

/** A value of a Python literal: integers beyond 2⁵³ come back as `bigint`, tuples as arrays. */
export type PythonValue = string | number | bigint | boolean | null | PythonValue[];

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/** A Python name at a position (sticky). */
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;

const UTF8 = new TextDecoder('utf-8', { fatal: true });

class LiteralParser {
  private i = 0;
  constructor(private readonly s: string) {}

  fail(what: string): never {
    throw new MmauxDatasetError(
      'INVALID_FORMAT',
      `parsePythonLiteral: ${what} at column ${this.i + 1} of ${JSON.stringify(this.s.length > 80 ? `${this.s.slice(0, 77)}...` : this.s)}; only lists, tuples, strings, numbers, True, False and None are read (nothing is evaluated).`,
    );
  }

  private space(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }

  value(): PythonValue {
    this.space();
    const c = this.s[this.i];
    if (c === undefined) this.fail('unexpected end of input');
    if (c === '[' || c === '(') return this.sequence(c === '[' ? ']' : ')');
    if (c === "'" || c === '"') return this.string('');
    NAME.lastIndex = this.i;
    const word = NAME.exec(this.s)?.[0];
    if (word !== undefined) {
      const prefix = word.toLowerCase();
      const quote = this.s[this.i + word.length];
      if ((quote === "'" || quote === '"') && /^(u|r|b|br|rb|ur)$/.test(prefix)) {
        this.i += word.length;
        return this.string(prefix);
      }
      if (word === 'True' || word === 'False' || word === 'None') {
        this.i += word.length;
        return word === 'True' ? true : word === 'False' ? false : null;
      }
      this.fail(`unexpected name "${word}"`);
    }
    return this.number();
  }

  private sequence(close: string): PythonValue[] {
    this.i++;
    const out: PythonValue[] = [];
    for (;;) {
      this.space();
      if (this.s[this.i] === close) {
        this.i++;
        return out;
      }
      out.push(this.value());
      this.space();
      const c = this.s[this.i];
      if (c === ',') this.i++;
      else if (c !== close) this.fail(c === undefined ? `missing "${close}"` : `expected "," or "${close}", found ${JSON.stringify(c)}`);
    }
  }

  private number(): number | bigint {
    const m = /^[+-]?(?:\d[\d_]*(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)/.exec(this.s.slice(this.i));
    if (m === null) this.fail(`unexpected ${JSON.stringify(this.s[this.i])}`);
    this.i += m[0].length;
    const text = m[0].replaceAll('_', '');
    if (/^[+-]?\d+$/.test(text)) {
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : BigInt(text);
    }
    return Number(text);
  }

  private string(prefix: string): string {
    const quote = this.s[this.i]!;
    const raw = prefix.includes('r');
    const triple = this.s.startsWith(quote.repeat(3), this.i);
    const close = triple ? quote.repeat(3) : quote;
    this.i += close.length;
    let out = '';
    // Python 2 byte strings (no u prefix) write non-ASCII bytes as \xNN escapes: remembered so
    // that a valid UTF-8 byte sequence can be decoded back to text.
    let highByteEscape = false;
    let unicodeEscape = false;
    for (;;) {
      if (this.i >= this.s.length) this.fail('unterminated string');
      if (this.s.startsWith(close, this.i)) {
        this.i += close.length;
        break;
      }
      const c = this.s[this.i]!;
      if (!triple && (c === '\n' || c === '\r')) this.fail('line break inside a string');
      if (c !== '\\') {
        // Copy the run up to the next quote, backslash or line break in one slice.
        let j = this.i + 1;
        while (j < this.s.length) {
          const d = this.s[j];
          if (d === quote || d === '\\' || d === '\n' || d === '\r') break;
          j++;
        }
        out += this.s.slice(this.i, j);
        this.i = j;
        continue;
      }
      const e = this.s[this.i + 1];
      if (e === undefined) this.fail('unterminated string');
      if (raw) {
        out += c + e;
        this.i += 2;
        continue;
      }
      this.i += 2;
      if (SIMPLE_ESCAPES[e] !== undefined) {
        out += SIMPLE_ESCAPES[e];
      } else if (e === '\n') {
        // line continuation: nothing
      } else if (e === 'x' || (!prefix.includes('b') && (e === 'u' || e === 'U'))) {
        const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = this.s.slice(this.i, this.i + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) this.fail(`bad \\${e} escape`);
        const code = Number.parseInt(hex, 16);
        if (code > 0x10ffff) this.fail(`\\${e} escape beyond U+10FFFF`);
        out += String.fromCodePoint(code);
        if (e === 'x' && code >= 0x80) highByteEscape = true;
        if (e !== 'x') unicodeEscape = true;
        this.i += len;
      } else if (e >= '0' && e <= '7') {
        const m = /^[0-7]{1,3}/.exec(this.s.slice(this.i - 1))![0];
        const code = Number.parseInt(m, 8);
        out += String.fromCharCode(code);
        if (code >= 0x80) highByteEscape = true;
        this.i += m.length - 1;
      } else if (e === 'N' && !prefix.includes('b')) {
        this.fail('\\N{...} escapes are not supported');
      } else {
        out += `\\${e}`; // Python keeps unknown escapes as they are
      }
    }
    if (highByteEscape && !unicodeEscape && !prefix.includes('u')) {
      const bytes = Buffer.from(out, 'latin1');
      if (/^[\x00-\xff]*$/.test(out)) {
        try {
          return UTF8.decode(bytes);
        } catch {
          // not UTF-8: keep the code points as Python 3 would
        }
      }
    }
    return out;
  }

  end(): void {
    this.space();
    if (this.i < this.s.length) this.fail(`unexpected ${JSON.stringify(this.s[this.i])} after the value`);
  }
}

/**
 * Reads a Python literal (what `repr` writes for lists, tuples, strings, numbers, `True`,
 * `False`, `None`) without evaluating anything, e.g. one line of MSD's `train.txt`. Strings may
 * use single, double or triple quotes, the `u`, `r` and `b` prefixes and every escape but
 * `\N{…}`. A string without `u` prefix whose `\xNN` escapes form valid UTF-8 (Python 2's repr
 * of UTF-8 bytes) is decoded as UTF-8.
 *
 * @param text - the literal
 * @returns the value: arrays for lists and tuples, `bigint` for integers beyond 2⁵³
 * @throws MmauxDatasetError `INVALID_FORMAT` naming the column of the first thing that is not a literal
 *
 * @example
 * ```ts
 * parsePythonLiteral("['682716753374351360', 'it\\'s <user> \"great\"', 1]"); // ["682716753374351360","it's <user> \"great\"",1]
 * parsePythonLiteral("[u'caf\\xe9', 'caf\\xc3\\xa9', None, True]"); // ["café","café",null,true]
 * ```
 */
export function parsePythonLiteral(text: string): PythonValue {
  const p = new LiteralParser(text);
  const v = p.value();
  p.end();
  return v;
}
