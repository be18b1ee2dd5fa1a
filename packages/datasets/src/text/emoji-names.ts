// Names for single emoji code points, as the tweet normaliser needs them: `emoji.demojize` is
// only ever called on one-code-point tokens there (the tokenizer splits multi-code-point emoji).
// Names come from unicode-emoji-json's `slug` (CLDR short names, lower-cased, `_` for spaces and
// hyphens); see tweet-normalizer.ts for where Python's emoji 2.2 names differ.
import { createRequire } from 'node:module';

interface EmojiEntry {
  slug: string;
}

let names: Map<string, string> | undefined;

/** Loads unicode-emoji-json on first use (it is 1900 entries; most programs never need it). */
function loadNames(): Map<string, string> {
  if (names !== undefined) return names;
  // JSON cannot be imported without import attributes on every Node 20 release; the CommonJS
  // build gets import.meta.url from tsup's shims.
  const load = createRequire(import.meta.url);
  const byEmoji = load('unicode-emoji-json/data-by-emoji.json') as Record<string, EmojiEntry>;
  const components = load('unicode-emoji-json/data-emoji-components.json') as Record<string, string>;
  const map = new Map<string, string>();
  for (const [emoji, entry] of Object.entries(byEmoji)) {
    const points = [...emoji];
    // One code point, or one code point + VS16 (U+FE0F): emoji 2.2 also names the
    // unqualified form (❤ without U+FE0F is :red_heart:).
    if (points.length === 1 || (points.length === 2 && points[1] === '\uFE0F')) {
      if (!map.has(points[0]!)) map.set(points[0]!, entry.slug);
    }
  }
  // Skin tones and hair styles are components, not emoji, in unicode-emoji-json.
  for (const [slug, emoji] of Object.entries(components)) map.set(emoji, slug);
  names = map;
  return map;
}

/**
 * @internal `emoji.demojize` (emoji 2.2) on a single code point: its `:name:`, `''` for the
 * variation selectors U+FE0E / U+FE0F (which emoji 2.2 drops), else the character unchanged.
 */
export function demojizeCodePoint(char: string): string {
  if (char === '\uFE0F' || char === '\uFE0E') return '';
  const name = loadNames().get(char);
  return name === undefined ? char : `:${name}:`;
}
