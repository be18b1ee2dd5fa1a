import { describe, expect, it } from 'vitest';
import { createUnigramTokenizer } from '../src/index.js';
import { VOCAB } from './helpers/tfjs-models.js';

/** Every segmentation of `chars` into vocabulary pieces (or single unknown characters), best score first. */
function bruteForce(chars: string[], vocab: Array<[string, number]>, reserved: number): number[] {
  const pieces = new Map<string, { id: number; score: number }>();
  vocab.forEach(([p, s], i) => {
    if (i >= reserved && !pieces.has(p)) pieces.set(p, { id: i, score: s });
  });
  const minScore = Math.min(0, ...[...pieces.values()].map((p) => p.score));
  let best: { score: number; ids: number[] } = { score: -Infinity, ids: [] };
  const walk = (at: number, score: number, ids: number[]): void => {
    if (at === chars.length) {
      if (score > best.score) best = { score, ids };
      return;
    }
    let single = false;
    for (let end = at + 1; end <= chars.length; end++) {
      const p = pieces.get(chars.slice(at, end).join(''));
      if (p) {
        if (end === at + 1) single = true;
        walk(end, score + p.score, [...ids, p.id]);
      }
    }
    if (!single) walk(at + 1, score + minScore - 10, [...ids, -1]);
  };
  walk(0, 0, []);
  return best.ids.flatMap((id, i) => (id >= 0 ? [id] : i > 0 && best.ids[i - 1]! < 0 ? [] : [0]));
}

describe('createUnigramTokenizer (USE vocab.json format)', () => {
  it('finds the highest-scoring segmentation (checked against brute force)', () => {
    const tok = createUnigramTokenizer(VOCAB);
    for (const text of ['good morning', 'goods', 'bad day!', 'good  day', 'gooood', 'morning!!', 'xyz good', 'go od', 'ｇｏｏｄ day']) {
      const chars = Array.from(`▁${text.normalize('NFKC').replace(/ /g, '▁')}`);
      expect(tok.encode(text), text).toEqual(bruteForce(chars, VOCAB, 6));
    }
  });

  it('NFKC-normalises (full-width letters), marks spaces with ▁ and merges runs of unknown characters into one unkId', () => {
    const tok = createUnigramTokenizer(VOCAB);
    expect(tok.encode('ｇｏｏｄ day')).toEqual(tok.encode('good day'));
    expect(tok.encode('good day')).toEqual([7, 10]);
    expect(tok.encode('good xyz')).toEqual([7, 6, 0]);
    expect(createUnigramTokenizer(VOCAB, { unkId: 3 }).encode('good xyz')).toEqual([7, 6, 3]);
    expect(tok.encode('')).toEqual([]);
  });

  it('reserved symbols are never matched; the id depends on the vocabulary and the options', () => {
    const vocab: Array<[string, number]> = [['▁a', 0], ['▁', -1], ['a', -1]];
    expect(createUnigramTokenizer(vocab, { reservedSymbols: 0 }).encode('a')).toEqual([0]);
    expect(createUnigramTokenizer(vocab, { reservedSymbols: 1 }).encode('a')).toEqual([1, 2]);
    const ids = new Set([
      createUnigramTokenizer(vocab, { reservedSymbols: 0 }).id,
      createUnigramTokenizer(vocab, { reservedSymbols: 1 }).id,
      createUnigramTokenizer([['▁a', 0], ['▁', -1], ['a', -2]], { reservedSymbols: 1 }).id,
    ]);
    expect(ids.size).toBe(3);
    expect(createUnigramTokenizer(vocab).id).toBe(createUnigramTokenizer(vocab.map((e) => [...e] as [string, number])).id);
  });

  it('a bad vocabulary names the first bad entry', () => {
    expect(() => createUnigramTokenizer([['a', 0], ['b', 'x' as unknown as number]])).toThrow(/vocabulary\[1\] must be a \[piece, score\] pair.*\["b","x"\]/);
    expect(() => createUnigramTokenizer({} as never)).toThrow(/must be an array of \[piece, score\] pairs/);
  });
});
