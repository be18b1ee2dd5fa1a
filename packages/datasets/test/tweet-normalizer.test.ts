// Golden examples of the tweet normaliser, derived by hand from the rules of METHOD.md §4.1
// (BERTweet's normalizeTweet over NLTK's TweetTokenizer, as the paper's code runs it). Each
// case names the rule it exercises.
import { describe, expect, it } from 'vitest';
import { normalizeTweet, tokenizeTweet } from '../src/text/tweet-normalizer.js';

const GOLDEN: ReadonlyArray<[rule: string, input: string, expected: string]> = [
  // Token map: "@…" → @USER; runs of 4+ identical punctuation → 3, each "!" its own token.
  ['handles, squeezed punctuation', '@remy: This is waaaaayyyy too much for you!!!!!!', '@USER : This is waaaaayyyy too much for you ! ! !'],
  // URLs (scheme, www., case-insensitive) → HTTPURL; a naked domain is kept as a token.
  ['URLs', 'Check www.example.com/page and HTTPS://t.co/xyz or example.com', 'Check HTTPURL and HTTPURL or example.com'],
  // HTML entities are decoded by the tokenizer; "<3" is an emoticon token; unknown entities vanish.
  ['HTML entities', 'Fish &amp; chips &lt;3 &foo;!', 'Fish & chips <3 !'],
  ['numeric entities and Windows-1252', 'A&#8211;B &#x41; &#150;', 'A – B A –'],
  // Emoji: single code points → :slug:; U+FE0F dropped; skin tone modifier becomes its own token.
  ['emoji', 'Lol 😂😂😂😂 ❤️ 👍🏽', 'Lol :face_with_tears_of_joy: :face_with_tears_of_joy: :face_with_tears_of_joy: :red_heart: :thumbs_up: :medium_skin_tone:'],
  // "’" → "'", "…" → "..."; then "'s " gets a space before it.
  ['special punctuation and possessive', 'It’s fine…', "It 's fine ..."],
  // Contractions: "n't " → " n't " ("ca n't" is restored to "can't" only in lower case, so "Can't"
  // becomes "Ca n't"); "cannot " → "can not "; 'm 're 'll 'd 've split off.
  [
    'contractions',
    "I'm sure they're fine, aren't they? We'll see, I'd say we've won. I cannot. Can't stop",
    "I 'm sure they 're fine , are n't they ? We 'll see , I 'd say we 've won . I can not . Ca n't stop",
  ],
  // The rewrites are plain case-sensitive substring replacements: "ain't" is restored, "Ain't" is not.
  ['ain\'t, case-sensitive', "ain't Ain't it", "ain't Ai n't it"],
  // A contraction at the very end has no following space, so it is left alone.
  ["n't at the end", "I don't", "I don't"],
  // Times: " p . m ." → " p.m.", " a . m " → " a.m ".
  ['p.m. and a.m', 'See you at 5 p.m. or 8 a.m tomorrow', 'See you at 5 p.m. or 8 a.m tomorrow'],
  // MSD-style pre-tokenised text: <user> and <num> are HTML-tag-like tokens and stay.
  ['HTML-tag tokens', '<user> thanks for the <num> likes', '<user> thanks for the <num> likes'],
  // Hashtags, emoticons, arrows, phone numbers and e-mail addresses are single tokens.
  ['other token types', 'Call 555-123-4567 :-) --> #Blessed mail a.b@c.org', 'Call 555-123-4567 :-) --> #Blessed mail a.b@c.org'],
  // Whitespace of any kind collapses to one space.
  ['whitespace', '  a \t\n b\u3000c  ', 'a b c'],
];

describe('normalizeTweet golden examples', () => {
  it.each(GOLDEN)('%s', (_rule, input, expected) => {
    expect(normalizeTweet(input)).toBe(expected);
  });

  it('is idempotent on its own output for these examples', () => {
    for (const [, , expected] of GOLDEN) expect(normalizeTweet(normalizeTweet(expected))).toBe(normalizeTweet(expected));
  });
});

describe('tokenizeTweet', () => {
  it("splits like NLTK's TweetTokenizer", () => {
    expect(tokenizeTweet("This is a cooool #dummysmiley: :-) :-P <3 and some arrows < > -> <--")).toEqual([
      'This', 'is', 'a', 'cooool', '#dummysmiley', ':', ':-)', ':-P', '<3', 'and', 'some', 'arrows', '<', '>', '->', '<--',
    ]);
  });

  it('splits a multi-code-point emoji into its code points', () => {
    expect(tokenizeTweet('👨‍👩‍👧')).toEqual(['👨', '\u200d', '👩', '\u200d', '👧']);
  });

  it('stays fast on pathological URLs (no exponential backtracking)', () => {
    const nasty = `http://${'.,'.repeat(5000)}(`;
    const t0 = performance.now();
    expect(tokenizeTweet(nasty).length).toBeGreaterThan(0);
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});
