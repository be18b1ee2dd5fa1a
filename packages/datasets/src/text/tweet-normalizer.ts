// Port of the tweet normaliser the paper's code applies to every post (AUX
// `preprocessing/text_processing.py` `Tweet_Preprocessing.normalizeTweet`, itself BERTweet's
// `TweetNormalizer.py`) and of the NLTK `TweetTokenizer` it vendors (preserve case, no length
// reduction, handles kept). METHOD.md §4.1 describes the steps; the known differences from the
// Python original are listed on normalizeTweet.
import { demojizeCodePoint } from './emoji-names.js';
import { replaceHtmlEntities } from './html-entities.js';

// Python `regex` classes, spelled out for JavaScript's `u` mode:
// \s = Unicode White_Space; \w = Alphabetic, marks, decimal digits, connector punctuation, join
// controls; \d = decimal digits; [^\W\d_] = \w without digits and "_".
const S = String.raw`\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000`;
const W = String.raw`\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}`;
const D = String.raw`\p{Nd}`;
const LETTER = String.raw`(?:(?!_)[\p{Alphabetic}\p{M}\p{Pc}\p{Join_Control}])`;
/** Python's Unicode \b (JavaScript's \b only knows ASCII word characters). */
const BOUNDARY = `(?:(?<=[${W}])(?![${W}])|(?<![${W}])(?=[${W}]))`;

// John Gruber's URL pattern as NLTK has it. `(?:X+|…)+` is written `(?:X|…)+` (the same strings,
// without the exponential backtracking of nested quantifiers).
const URLS =
  String.raw`(?:https?:(?:\/{1,3}|[a-z0-9%])|[a-z0-9.\-]+[.](?:[a-z]{2,13})\/)` +
  String.raw`(?:[^${S}()<>{}\[\]]|\([^${S}()]*?\([^${S}()]+\)[^${S}()]*?\)|\([^${S}]+?\))+` +
  String.raw`(?:\([^${S}()]*?\([^${S}()]+\)[^${S}()]*?\)|\([^${S}]+?\)|[^${S}` + '`' + String.raw`!()\[\]{};:'".,<>?«»“”‘’])` +
  String.raw`|(?:(?<!@)[a-z0-9]+(?:[.\-][a-z0-9]+)*[.](?:[a-z]{2,13})${BOUNDARY}\/?(?!@))`;
const PHONE = String.raw`(?:(?:\+?[01][ *\-.)]*)?(?:\(?${D}{3}[ *\-.)]*)?${D}{3}[ *\-.)]*${D}{4})`;
const EMOTICONS = String.raw`(?:[<>]?[:;=8][\-o*']?[)\](\[dDpP/:}{@|\\]|[)\](\[dDpP/:}{@|\\][\-o*']?[:;=8][<>]?|<3)`;
const HTML_TAG = String.raw`<[^>${S}]+>`;
const ARROWS = String.raw`-+>|<-+`;
const HANDLE = String.raw`(?:@[${W}]+)`;
const HASHTAG = String.raw`(?:#+[${W}]+[${W}'\-]*[${W}]+)`;
const EMAIL = String.raw`[${W}.+\-]+@[${W}\-]+\.(?:[${W}\-]\.?)+[${W}\-]`;
const WORDS =
  String.raw`(?:${LETTER}(?:${LETTER}|['\-_])+${LETTER})` + // words with apostrophes or dashes
  String.raw`|(?:[+\-]?${D}+[,/.:\-]${D}+[+\-]?)` + // numbers, fractions, decimals
  String.raw`|(?:[${W}]+)` + // words without apostrophes or dashes
  String.raw`|(?:\.(?:[${S}]*\.){1,})` + // ellipsis dots
  String.raw`|(?:[^${S}])`; // anything else that is not a space

const WORD_RE = new RegExp([URLS, PHONE, EMOTICONS, HTML_TAG, ARROWS, HANDLE, HASHTAG, EMAIL, WORDS].join('|'), 'giu');
/** Four or more of the same non-alphanumeric character are cut to three (NLTK's HANG_RE). */
const HANG_RE = /([^a-zA-Z0-9])\1{3,}/gu;
/** Python's `str.split()` whitespace (str.isspace). */
const PY_SPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;

const SPECIAL_PUNCTS: Readonly<Record<string, string>> = { '’': "'", '…': '...' };

/**
 * Splits a tweet into tokens the way NLTK's `TweetTokenizer()` does with its defaults (case
 * kept, no length reduction, handles kept): HTML character references are decoded first, runs
 * of four or more identical non-alphanumeric characters are cut to three, then the first
 * matching pattern wins at each position in this order: URLs, phone numbers, ASCII emoticons,
 * HTML tags, arrows, @handles, #hashtags, e-mail addresses, words with apostrophes or dashes,
 * numbers, other words, ellipses, and finally any single non-space character (so an emoji made
 * of several code points becomes several tokens).
 *
 * @param text - raw tweet text
 * @returns the tokens, in order
 *
 * @example
 * ```ts
 * tokenizeTweet('@remy: This is waaaaayyyy too much for you!!!!!!'); // ["@remy",":","This","is","waaaaayyyy","too","much","for","you","!","!","!"]
 * tokenizeTweet('Fish &amp; chips <3 :-) http://t.co/x'); // ["Fish","&","chips","<3",":-)","http://t.co/x"]
 * ```
 */
export function tokenizeTweet(text: string): string[] {
  const safe = replaceHtmlEntities(text).replace(HANG_RE, '$1$1$1');
  return safe.match(WORD_RE) ?? [];
}

function normalizeToken(token: string): string {
  if (token.startsWith('@')) return '@USER';
  const lower = token.toLowerCase();
  if (lower.startsWith('http') || lower.startsWith('www')) return 'HTTPURL';
  // Python's len() counts code points.
  const first = token.codePointAt(0)!;
  if (token.length === (first > 0xffff ? 2 : 1)) return SPECIAL_PUNCTS[token] ?? demojizeCodePoint(token);
  return token;
}

/**
 * The tweet normaliser of the paper's code (BERTweet's `normalizeTweet`, METHOD.md §4.1):
 *
 * 1. `’` → `'` and `…` → `...`;
 * 2. tokenise with {@link tokenizeTweet} (NLTK `TweetTokenizer`, HTML entities decoded);
 * 3. each token: starting with `@` → `@USER`; starting with `http` or `www` (any case) →
 *    `HTTPURL`; a single code point → `'` / `...` for `’` / `…`, else its emoji name
 *    (`😂` → `:face_with_tears_of_joy:`; U+FE0F and U+FE0E are dropped, as emoji 2.2 does);
 *    anything else unchanged;
 * 4. join with spaces, then, in this order: `cannot ` → `can not `, `n't ` → ` n't `,
 *    `n 't ` → ` n't `, `ca n't` → `can't`, `ai n't` → `ain't`; a space before `'m `, `'re `,
 *    `'s `, `'ll `, `'d `, `'ve `; ` p . m .` → ` p.m.`, ` p . m ` → ` p.m `, ` a . m .` →
 *    ` a.m.`, ` a . m ` → ` a.m `;
 * 5. collapse whitespace to single spaces and trim.
 *
 * The rewrites are the original's plain, case-sensitive substring replacements, quirks included:
 * `don't` at the very end of a text keeps its apostrophe (no space follows), `Ain't` becomes
 * `Ai n't`, and `can't` survives as `can't`.
 *
 * Known differences from the Python original:
 * - emoji names are unicode-emoji-json's slugs: lower case with `_` for hyphens, so
 *   `😍` → `:smiling_face_with_heart_eyes:` (emoji 2.2: `:smiling_face_with_heart-eyes:`),
 *   `👌` → `:ok_hand:` (`:OK_hand:`), `🎅` → `:santa_claus:` (`:Santa_Claus:`); emoji newer
 *   than Emoji 15.0 get a name here but stay as they are in emoji 2.2; a few CLDR names changed
 *   between releases;
 * - HTML character references are decoded by the `entities` package with HTML5's names and
 *   number rules, so a few rare references differ from NLTK's HTML 4 table and Python's `int()`
 *   (`&apos;` → `'`, which NLTK removes; `&#0;` → U+FFFD; `&#1_0;` removed); the list is on
 *   the tokenizer's `replaceHtmlEntities`;
 * - JavaScript and Python regex engines agree on these patterns except for exotic Unicode case
 *   folding under the case-insensitive flag.
 *
 * @param text - raw tweet text
 * @returns the normalised text (tokens separated by single spaces)
 *
 * @example
 * ```ts
 * normalizeTweet("@remy I can't believe it's 5 p.m. already… http://t.co/abc 😂"); // "@USER I can't believe it 's 5 p.m. already ... HTTPURL :face_with_tears_of_joy:"
 * normalizeTweet("They're fine, aren't they? I cannot."); // "They 're fine , are n't they ? I can not ."
 * normalizeTweet('Fish &amp; chips ❤️'); // "Fish & chips :red_heart:"
 * ```
 */
export function normalizeTweet(text: string): string {
  const tokens = tokenizeTweet(text.replaceAll('’', "'").replaceAll('…', '...'));
  let t = tokens.map(normalizeToken).join(' ');
  t = t
    .replaceAll('cannot ', 'can not ')
    .replaceAll("n't ", " n't ")
    .replaceAll("n 't ", " n't ")
    .replaceAll("ca n't", "can't")
    .replaceAll("ai n't", "ain't");
  t = t
    .replaceAll("'m ", " 'm ")
    .replaceAll("'re ", " 're ")
    .replaceAll("'s ", " 's ")
    .replaceAll("'ll ", " 'll ")
    .replaceAll("'d ", " 'd ")
    .replaceAll("'ve ", " 've ");
  t = t
    .replaceAll(' p . m .', '  p.m.')
    .replaceAll(' p . m ', ' p.m ')
    .replaceAll(' a . m .', ' a.m.')
    .replaceAll(' a . m ', ' a.m ');
  return t.split(PY_SPACE).filter((s) => s !== '').join(' ');
}
