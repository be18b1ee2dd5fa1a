// HTML character references in tweets: NLTK's TweetTokenizer pattern and removal rule, decoded by
// the `entities` package. Expected values are NLTK's (Python's html.entities and chr), except the
// cases listed on replaceHtmlEntities where HTML5's rules give another result.
import { describe, expect, it } from 'vitest';
import { replaceHtmlEntities } from '../src/text/html-entities.js';

describe('replaceHtmlEntities', () => {
  it.each([
    ['Fish &amp; chips &lt;3 &gt;', 'Fish & chips <3 >'],
    ['&hearts; &notin; &nbsp;|', '\u2665 \u2209 \u00a0|'],
    // Decimal, hexadecimal, leading zeros, astral code points.
    ['&#8217;&#x2019;&#0065;&#x1F602;&#128514;', '\u2019\u2019A😂😂'],
    // 128–159 as Windows-1252 bytes, as NLTK does.
    ['&#128;&#150;&#153;', '€–™'],
    // NLTK's pattern makes `#` optional before `x`.
    ['&x41;&x2665;', 'A\u2665'],
    // Unknown names, bad numbers and an empty body are removed; case matters in HTML 4 names.
    ['a&foo;b&#65x;c&#x;d&Amp;e', 'abcde'],
    // No semicolon, no reference (Twitter writes every `&` as `&amp;`).
    ['AT&T &amp &#65 &copy', 'AT&T &amp &#65 &copy'],
    // One pass: a double-escaped reference decodes once.
    ['&amp;amp; &amp;lt;', '&amp; &lt;'],
  ])('%j → %j (as NLTK)', (input, expected) => {
    expect(replaceHtmlEntities(input)).toBe(expected);
  });

  it.each([
    // HTML5 names NLTK's HTML 4 table lacks (NLTK removes them).
    ['&apos;&AMP;&NewLine;', "'&\n"],
    // NLTK gives '\0' and a lone surrogate, and removes the last; HTML5 says U+FFFD.
    ['&#0;&#xD800;&#x110000;', '\uFFFD\uFFFD\uFFFD'],
    // Undefined in Windows-1252: NLTK removes them; HTML5 keeps the C1 control character.
    ['&#129;&#157;', '\u0081\u009d'],
    // Python's int() accepts these; HTML does not, so they are removed.
    ['&#1_0;&#+65;&#x0x41;', ''],
  ])('%j → %j (HTML5 rules, where NLTK differs)', (input, expected) => {
    expect(replaceHtmlEntities(input)).toBe(expected);
  });

  it('returns text without references as it is', () => {
    const text = 'no references here; a & b';
    expect(replaceHtmlEntities(text)).toBe(text);
  });
});
