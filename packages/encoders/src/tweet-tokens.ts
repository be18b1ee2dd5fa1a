// One pass over the text with a sticky regular expression; alternatives in priority order.
const TOKEN = new RegExp(
  [
    String.raw`(?<url>(?:https?:\/\/|www\.)\S+|\bhttpurl\b)`,
    String.raw`(?<mention>@\w+)`,
    String.raw`(?<hashtag>#[\p{L}\p{N}_]+)`,
    // the paper's normaliser writes emoji as :name: (emoji.demojize)
    String.raw`(?<demoji>:[a-z0-9_+\-]+(?:_[a-z0-9_+\-]+)*:)`,
    String.raw`(?<emoticon>(?<![\p{L}\p{N}])[:;=8][\-o*']?[)\](\[dDpP/\\|@3](?![\p{L}\p{N}]))`,
    String.raw`(?<emoji>[\u{1F1E6}-\u{1F1FF}]{2}|\p{Extended_Pictographic}(?:\uFE0F|[\u{1F3FB}-\u{1F3FF}]|\u200D\p{Extended_Pictographic}\uFE0F?)*)`,
    String.raw`(?<word>[\p{L}\p{M}\p{N}]+(?:['’][\p{L}\p{M}]+)*)`,
    String.raw`(?<bang>[!?]+)`,
  ].join('|'),
  'gu',
);

/** Splits a hashtag body at underscores, lower→upper case changes and letter↔digit changes. */
function splitHashtag(body: string): string[] {
  const parts: string[] = [];
  for (const chunk of body.split('_')) {
    // "HappyNewYear2024" → Happy New Year 2024; "NYC" stays one part; "iPhone" → i Phone
    const m = chunk.match(/\p{Lu}+(?![\p{Ll}])|\p{Lu}?\p{Ll}+|\p{N}+|[\p{L}\p{M}]+/gu);
    if (m) for (const p of m) parts.push(p.toLowerCase());
  }
  return parts;
}

/**
 * The tweet-aware tokens of the built-in `builtin:text-hash` encoder: lower-cased words
 * (apostrophes kept inside words), user mentions as `@user`, URLs (and the paper normaliser's
 * `HTTPURL`) as `httpurl`, hashtags as `#` followed by their words split at case changes,
 * digits and underscores, emoji (with modifiers and ZWJ sequences) and the normaliser's
 * `:emoji_names:` kept as single tokens, emoticons such as `:)` kept, runs of `!`/`?` kept (at
 * most 3 characters); other punctuation dropped.
 *
 * @param text - a raw or normalised post text
 * @returns the tokens in order
 *
 * @example
 * ```ts
 * tweetTokens('@Bob LOVED it!!!! #HappyNewYear2024 😂 https://t.co/x'); // ["@user", "loved", "it", "!!!", "#", "happy", "new", "year", "2024", "😂", "httpurl"]
 * tweetTokens("@USER don't :face_with_tears_of_joy: HTTPURL :)"); // ["@user", "don't", ":face_with_tears_of_joy:", "httpurl", ":)"]
 * ```
 */
export function tweetTokens(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(TOKEN)) {
    const g = m.groups as Record<string, string | undefined>;
    if (g.url !== undefined) out.push('httpurl');
    else if (g.mention !== undefined) out.push('@user');
    else if (g.hashtag !== undefined) {
      out.push('#');
      out.push(...splitHashtag(g.hashtag.slice(1)));
    } else if (g.demoji !== undefined) out.push(g.demoji.toLowerCase());
    else if (g.emoticon !== undefined) out.push(g.emoticon.toLowerCase());
    else if (g.emoji !== undefined) out.push(g.emoji);
    else if (g.word !== undefined) out.push(g.word.toLowerCase().replace(/’/g, "'"));
    else if (g.bang !== undefined) out.push(g.bang.slice(0, 3));
  }
  return out;
}
