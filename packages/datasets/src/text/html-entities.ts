// Character references as NLTK's TweetTokenizer finds them (`_replace_html_entities`, with
// `remove_illegal=True`): `&name;`, `&#digits;`, `&#xhex;` (and `&xhex;`, a quirk of its pattern),
// each decoded by the `entities` package, and removed when it cannot be decoded. Strict mode,
// as NLTK's pattern needs the semicolon; Twitter writes every `&` as `&amp;` anyway.
import { decodeHTMLStrict } from 'entities';

/** NLTK's `ENT_RE`: `&`, an optional `#`, an optional `x`, a body, `;`. */
const REFERENCE = /&(#?(x?))([^&;\s]+);/gu;

/**
 * @internal Decodes HTML character references the way NLTK's TweetTokenizer does before it
 * tokenises: `&amp;` → `&`, `&#8217;` → `’`, `&#x41;` → `A`, `&#150;` → `–` (as Windows-1252);
 * a reference that does not decode is removed (`&foo;` → ``). Quirk kept: the `#` is optional
 * before `x`, so `&x41;` also decodes to `A`.
 *
 * Where it differs from NLTK (which looks names up in Python's HTML 4 table and converts numbers
 * with `int()` and `chr()`): names are HTML5's (`&apos;` → `'` and `&AMP;` → `&`, which NLTK
 * removes); `&#0;` and surrogates (`&#xD800;`) become U+FFFD (NLTK: that code unit), and so do
 * numbers beyond U+10FFFF (NLTK: removed); 0x81, 0x8D, 0x8F, 0x90 and 0x9D, undefined in
 * Windows-1252, stay control characters (NLTK: removed); numbers with `_`, a sign, `0x` or
 * non-ASCII digits, which Python's `int()` accepts, are removed.
 */
export function replaceHtmlEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(REFERENCE, (_m, numeric: string, hex: string, body: string) => {
    const reference = numeric === '' ? `&${body};` : `&#${hex}${body};`;
    const decoded = decodeHTMLStrict(reference);
    return decoded === reference ? '' : decoded;
  });
}
