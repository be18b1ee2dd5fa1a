// The synthetic labels need both modalities: the label follows the task's rule from what the
// text and the image express, and neither the text's factors nor the image's factors alone
// predict it beyond the documented ceiling (chance for relation and sarcasm).
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../src/image/index.js';
import { generateSyntheticPosts, renderSyntheticImage, SYNTHETIC_TASKS, type SyntheticPost, type SyntheticTask } from '../src/synthetic/index.js';

const N = 24000;
const plans = {
  relation: generateSyntheticPosts({ task: 'relation', size: N, seed: 101 }),
  sentiment: generateSyntheticPosts({ task: 'sentiment', size: N, seed: 102 }),
  sarcasm: generateSyntheticPosts({ task: 'sarcasm', size: N, seed: 103 }),
};

type Key = (p: SyntheticPost) => string;
const textKey: Key = (p) => JSON.stringify(p.textFactors);
const imageKey: Key = (p) => JSON.stringify(p.imageFactors);

/** Label counts per value of `key`. */
function table(posts: SyntheticPost[], key: Key, k: number): Map<string, number[]> {
  const t = new Map<string, number[]>();
  for (const p of posts) {
    const row = t.get(key(p)) ?? Array.from({ length: k }, () => 0);
    row[p.labelIndex]!++;
    t.set(key(p), row);
  }
  return t;
}

/**
 * Held-out accuracy of the best possible classifier that sees only `key(post)`: learn the
 * majority label per key value on the first half, score it on the second (unseen values get
 * the overall majority).
 */
function majorityAccuracy(posts: SyntheticPost[], key: Key, k: number): number {
  const half = posts.length / 2;
  const train = table(posts.slice(0, half), key, k);
  const prior = Array.from({ length: k }, () => 0);
  for (const p of posts.slice(0, half)) prior[p.labelIndex]!++;
  const argmax = (row: number[]) => row.indexOf(Math.max(...row));
  let right = 0;
  for (const p of posts.slice(half)) {
    const row = train.get(key(p)) ?? prior;
    if (argmax(row) === p.labelIndex) right++;
  }
  return right / (posts.length - half);
}

describe('labels follow each task’s rule', () => {
  it('relation: represented ⇔ same object; adds ⇔ different context thing', () => {
    const wrong = plans.relation.posts.filter((p) => {
      const represented = p.textFactors.object === p.imageFactors.object;
      const adds = p.textFactors.context !== p.imageFactors.context;
      return p.labelIndex !== (adds ? (represented ? 0 : 1) : represented ? 2 : 3);
    });
    expect(wrong).toEqual([]);
  });

  it('sentiment: Cheema’s rule (§5.2), never positive with negative', () => {
    const cls = { neutral: 0, positive: 1, negative: 2 } as const;
    const wrong = plans.sentiment.posts.filter((p) => {
      const t = p.textFactors.tone as keyof typeof cls;
      const i = p.imageFactors.tone as keyof typeof cls;
      if (t !== 'neutral' && i !== 'neutral' && t !== i) return true;
      return p.labelIndex !== (t === 'neutral' ? cls[i] : cls[t]);
    });
    expect(wrong).toEqual([]);
  });

  it('sarcasm: sarcastic ⇔ wording and image tone disagree', () => {
    const polar = new Set(['positive', 'negative']);
    const wrong = plans.sarcasm.posts.filter(
      (p) =>
        !polar.has(p.textFactors.tone!) ||
        !polar.has(p.imageFactors.tone!) ||
        p.labelIndex !== (p.textFactors.tone === p.imageFactors.tone ? 0 : 1),
    );
    expect(wrong).toEqual([]);
  });
});

describe('no unimodal shortcut', () => {
  it.each(['relation', 'sarcasm'] as SyntheticTask[])('%s: every text template and every image look leaves every class possible, near the prior', (task) => {
    const { posts, classes } = plans[task];
    const k = classes.length;
    // Keys with ~100 or more posts per value (24000 posts): a class missing by chance is out of the question.
    const withoutTemplate: Key = (p) => JSON.stringify({ ...p.textFactors, template: undefined });
    const keys: Array<[string, Key]> = [
      ['text template', (p) => p.textFactors.template!],
      ['text content', withoutTemplate],
      ['image factors', imageKey],
    ];
    if (task === 'sarcasm') keys.push(['image motif', (p) => p.imageFactors.motif!], ['text tone', (p) => p.textFactors.tone!]);
    if (task === 'relation') keys.push(['text object', (p) => p.textFactors.object!], ['image context', (p) => p.imageFactors.context!]);
    for (const [name, key] of keys) {
      for (const [value, row] of table(posts, key, k)) {
        const total = row.reduce((a, b) => a + b, 0);
        for (let c = 0; c < k; c++) {
          expect(row[c], `${name} ${value}: class ${c} never occurs`).toBeGreaterThan(0);
          // Coarse keys (templates, tones, motifs) have hundreds of posts: their class shares are near 1/k.
          if (total >= 400) expect(Math.abs(row[c]! / total - 1 / k), `${name} ${value}`).toBeLessThan(0.07);
        }
      }
    }
  });

  it.each(['relation', 'sentiment', 'sarcasm'] as SyntheticTask[])('%s: text-only and image-only classifiers stop at the documented ceiling; both together reach 1', (task) => {
    const { posts, classes } = plans[task];
    const k = classes.length;
    const ceiling = SYNTHETIC_TASKS[task].unimodalCeiling;
    const textOnly = majorityAccuracy(posts, textKey, k);
    const imageOnly = majorityAccuracy(posts, imageKey, k);
    // What a model comparing the two can compute: for relation whether object and context match.
    const bothKey: Key =
      task === 'relation'
        ? (p) => `${p.textFactors.object === p.imageFactors.object}|${p.textFactors.context === p.imageFactors.context}`
        : (p) => `${p.textFactors.tone}|${p.imageFactors.tone}`;
    const both = majorityAccuracy(posts, bothKey, k);
    expect(textOnly).toBeGreaterThan(ceiling.text - 0.03);
    expect(textOnly).toBeLessThan(ceiling.text + 0.03);
    expect(imageOnly).toBeGreaterThan(ceiling.image - 0.03);
    expect(imageOnly).toBeLessThan(ceiling.image + 0.03);
    expect(both).toBe(1);
    if (task !== 'sentiment') expect(Math.max(textOnly, imageOnly)).toBeLessThan(1 / k + 0.03);
  });

  it('sentiment: a neutral text or a neutral image leaves every class possible; polar ones decide (the MVSA rule)', () => {
    const { posts } = plans.sentiment;
    const byText = table(posts, (p) => p.textFactors.tone!, 3);
    const byImage = table(posts, (p) => p.imageFactors.tone!, 3);
    for (const t of [byText, byImage]) {
      expect(t.get('neutral')!.every((c) => c > 0)).toBe(true);
      expect(t.get('positive')).toEqual([0, t.get('positive')![1], 0]);
      expect(t.get('negative')).toEqual([0, 0, t.get('negative')![2]]);
    }
  });

  it('texts alone do not repeat with one label: the distractors and paraphrases are label-free', () => {
    // Any exact text that occurs at least 20 times occurs with more than one class.
    for (const task of ['relation', 'sarcasm'] as SyntheticTask[]) {
      for (const [text, row] of table(plans[task].posts, (p) => p.text, plans[task].classes.length)) {
        if (row.reduce((a, b) => a + b, 0) >= 20) expect(row.filter((c) => c > 0).length, text).toBeGreaterThan(1);
      }
    }
  });
});

describe('the factors are visible in the pixels', () => {
  it('relation: the pixel at the main object’s centre has the object’s colour', async () => {
    const hex = { red: [214, 39, 40], blue: [31, 95, 214], green: [42, 157, 58], yellow: [242, 194, 15], purple: [142, 68, 173], orange: [245, 124, 0] };
    for (const post of plans.relation.posts.slice(0, 24)) {
      const img = await decodeImage(await renderSyntheticImage(post.scene, 100));
      const main = post.scene.items.at(-1)!;
      const at = (Math.round(main.y) * 100 + Math.round(main.x)) * 3;
      const colour = hex[post.imageFactors.object!.split(' ')[0] as keyof typeof hex];
      for (let c = 0; c < 3; c++) expect(Math.abs((img.data[at + c] as number) - (colour[c] as number)), post.id).toBeLessThanOrEqual(12 + 6 + 1);
    }
  });

  it('sentiment and sarcasm: negative images are dark, the others light (background corner)', async () => {
    for (const task of ['sentiment', 'sarcasm'] as const) {
      for (const post of plans[task].posts.slice(0, 30)) {
        const img = await decodeImage(await renderSyntheticImage(post.scene, 48));
        const lum = ((img.data[0] as number) + (img.data[1] as number) + (img.data[2] as number)) / 3;
        if (post.imageFactors.tone === 'negative') expect(lum, post.id).toBeLessThan(130);
        else expect(lum, post.id).toBeGreaterThan(170);
      }
    }
  });
});
