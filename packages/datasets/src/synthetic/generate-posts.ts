import { MmauxDatasetError } from '../errors.js';
import { type Rng, deriveSeed, mulberry32, pick, pickOther, pickWeighted, randInt, shuffle, uniform } from '../rng.js';
import type { SyntheticItem, SyntheticScene } from './scene.js';
import { SYNTHETIC_TASKS, type SyntheticTask } from './tasks.js';
import {
  CLOSERS,
  COLOURS,
  CONTEXTS,
  OPENERS,
  PASTELS,
  RELATION_TEMPLATES,
  SARCASM_TEMPLATES,
  SENTIMENT_TEMPLATES,
  SHAPES,
  SUBJECTS,
  TEXTURES,
  TONE_EMOJI,
  TONE_LOOK,
  type Tone,
} from './vocabulary.js';

/** The split a synthetic post belongs to. */
export type SyntheticSplit = 'train' | 'val' | 'test';

/** One synthetic post, before its image is rendered. */
export interface SyntheticPost {
  /** `<task>-<index>`, zero-padded to at least 4 digits. */
  id: string;
  /** The post text. */
  text: string;
  /** The image path relative to the dataset folder: `images/<id>.png`. */
  image: string;
  /** Class name (see {@link SYNTHETIC_TASKS}). */
  label: string;
  /** Index of `label` in the task's classes. */
  labelIndex: number;
  /** Stratified 80/10/10 assignment. */
  split: SyntheticSplit;
  /**
   * What the text expresses: its template id plus the label-relevant content (relation:
   * `object`, `context`; sentiment/sarcasm: `tone`). Distractor words are not factors.
   */
  textFactors: Record<string, string>;
  /** What the image shows that matters for the label (relation: `object`, `context`; others: `tone`, `motif`). */
  imageFactors: Record<string, string>;
  /** Everything needed to draw the image. */
  scene: SyntheticScene;
}

/** Options of {@link generateSyntheticPosts}. */
export interface SyntheticPostsOptions {
  /** Which task. */
  task: SyntheticTask;
  /** Number of posts, an integer in [1, 1000000]. @defaultValue 300 */
  size?: number;
  /** Integer seed; the same seed gives the same posts. @defaultValue 0 */
  seed?: number;
  /**
   * Relative class frequencies in class order (normalised; counts by largest remainder), e.g.
   * TIR's `[830, 1147, 981, 1513]`. @defaultValue equal
   */
  classProportions?: readonly number[];
}

/** What {@link generateSyntheticPosts} returns. */
export interface SyntheticPlan {
  /** The task. */
  task: SyntheticTask;
  /** Class names in index order. */
  classes: string[];
  /** The posts in id order. */
  posts: SyntheticPost[];
  /** Posts per class name. */
  classBalance: Record<string, number>;
  /** Posts per split. */
  splits: { train: number; val: number; test: number };
}

/** @internal Validated common options. */
export function resolvePostsOptions(fn: string, options: SyntheticPostsOptions): { task: SyntheticTask; size: number; seed: number; proportions: number[] } {
  if (typeof options !== 'object' || options === null) {
    throw new MmauxDatasetError('INVALID_OPTION', `${fn}: options must be an object with at least { task }.`);
  }
  const { task } = options;
  if (typeof task !== 'string' || !Object.hasOwn(SYNTHETIC_TASKS, task)) {
    throw new MmauxDatasetError(
      'INVALID_OPTION',
      `${fn}: task must be one of ${Object.keys(SYNTHETIC_TASKS).join(', ')}, got ${JSON.stringify(task)}.`,
    );
  }
  const size = options.size ?? 300;
  if (!Number.isInteger(size) || size < 1 || size > 1_000_000) {
    throw new MmauxDatasetError('INVALID_OPTION', `${fn}: size must be an integer in [1, 1000000], got ${String(size)}.`);
  }
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed)) {
    throw new MmauxDatasetError('INVALID_OPTION', `${fn}: seed must be an integer, got ${String(seed)}.`);
  }
  const k = SYNTHETIC_TASKS[task].classes.length;
  const proportions = options.classProportions === undefined ? Array.from({ length: k }, () => 1) : [...options.classProportions];
  if (proportions.length !== k || proportions.some((p) => typeof p !== 'number' || !Number.isFinite(p) || p < 0) || proportions.every((p) => p === 0)) {
    throw new MmauxDatasetError(
      'INVALID_OPTION',
      `${fn}: classProportions must be ${k} finite non-negative numbers (not all 0) for task ${task}, got ${JSON.stringify(options.classProportions)}.`,
    );
  }
  return { task, size, seed, proportions };
}

/** Counts per class by largest remainder (ties to the lower class index). */
function classCounts(size: number, proportions: number[]): number[] {
  const total = proportions.reduce((a, b) => a + b, 0);
  const exact = proportions.map((p) => (p / total) * size);
  const counts = exact.map(Math.floor);
  let left = size - counts.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left === 0) break;
    counts[i] = (counts[i] as number) + 1;
    left--;
  }
  return counts;
}

const hex2 = (v: number) => Math.max(0, Math.min(255, Math.round(v))).toString(16).padStart(2, '0');

/** A colour moved by up to ±amount per channel. */
function jitter(rng: Rng, hex: string, amount: number): string {
  const c = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16) + Math.round(uniform(rng, -amount, amount)));
  return `#${c.map(hex2).join('')}`;
}

function background(rng: Rng, colours: readonly string[]): Pick<SyntheticScene, 'background' | 'texture'> {
  const bg = jitter(rng, pick(rng, colours), 8);
  const kind = pick(rng, TEXTURES);
  // The texture is the background shifted a little, lighter or darker.
  const shift = (rng() < 0.5 ? -1 : 1) * uniform(rng, 10, 22);
  const colour = `#${[1, 3, 5].map((i) => hex2(Number.parseInt(bg.slice(i, i + 2), 16) + shift)).join('')}`;
  return { background: bg, texture: { kind, colour, angle: Math.round(uniform(rng, 0, 180)), spacing: Math.round(uniform(rng, 6, 14)) } };
}

/** 0–3 small label-free marks (grey scribbles and dots). */
function clutter(rng: Rng, dark: boolean): SyntheticItem[] {
  const out: SyntheticItem[] = [];
  const count = randInt(rng, 4);
  for (let i = 0; i < count; i++) {
    const grey = Math.round(dark ? uniform(rng, 150, 210) : uniform(rng, 90, 160));
    out.push({
      kind: rng() < 0.5 ? 'scribble' : 'dot',
      fill: `#${hex2(grey)}${hex2(grey)}${hex2(grey)}`,
      x: uniform(rng, 8, 92),
      y: uniform(rng, 8, 92),
      size: uniform(rng, 1.5, 6),
      rotation: Math.round(uniform(rng, 0, 360)),
    });
  }
  return out;
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => values[k] ?? `{${k}}`);
}

/** Adds label-free distractor words around a text. */
function decorate(rng: Rng, core: string): string {
  let closer = pick(rng, CLOSERS);
  if (closer.endsWith('t.co/')) closer += Array.from({ length: 6 }, () => 'abcdefghkmnpqrstuvwxyz23456789'[randInt(rng, 30)]).join('');
  return `${pick(rng, OPENERS)}${core}${closer}`;
}

function article(phrase: string): string {
  return /^[aeiou]/i.test(phrase) ? `an ${phrase}` : `a ${phrase}`;
}

interface Drawn {
  text: string;
  textFactors: Record<string, string>;
  imageFactors: Record<string, string>;
  scene: Omit<SyntheticScene, 'noise'>;
}

function relationPost(rng: Rng, labelIndex: number): Drawn {
  const adds = labelIndex === 0 || labelIndex === 1;
  const represented = labelIndex === 0 || labelIndex === 2;
  // The text's object and context thing: uniform, whatever the class.
  const tShape = pick(rng, SHAPES);
  const tColour = pick(rng, COLOURS);
  const tContext = pick(rng, CONTEXTS);
  // The image's: the same, or different (shape, colour or both, uniformly), so that the
  // image's object and context are also uniform whatever the class.
  let iShape = tShape;
  let iColour = tColour;
  if (!represented) {
    const change = randInt(rng, 3);
    if (change !== 1) iShape = pickOther(rng, SHAPES, tShape);
    if (change !== 0) iColour = pickOther(rng, COLOURS, tColour);
  }
  const iContext = adds ? pickOther(rng, CONTEXTS, tContext) : tContext;

  const template = pick(rng, RELATION_TEMPLATES);
  const obj = article(`${pick(rng, tColour.words)} ${pick(rng, tShape.words)}`);
  const text = decorate(rng, fill(template.text, { obj, ctx: pick(rng, tContext.words) }));

  const left = rng() < 0.5;
  const items: SyntheticItem[] = [
    ...clutter(rng, false),
    {
      kind: iContext.kind,
      fill: jitter(rng, iContext.hex, 10),
      x: left ? uniform(rng, 14, 30) : uniform(rng, 70, 86),
      y: uniform(rng, 15, 24),
      size: uniform(rng, 10, 14),
      rotation: 0,
    },
    {
      kind: iShape.kind,
      fill: jitter(rng, iColour.hex, 12),
      x: uniform(rng, 32, 68),
      y: uniform(rng, 56, 70),
      size: uniform(rng, 14, 20),
      rotation: Math.round(uniform(rng, -25, 25)),
    },
  ];
  return {
    text,
    textFactors: { template: template.id, object: `${tColour.name} ${tShape.kind}`, context: tContext.kind },
    imageFactors: { object: `${iColour.name} ${iShape.kind}`, context: iContext.kind },
    scene: { ...background(rng, PASTELS), items },
  };
}

function toneText(rng: Rng, templates: ReadonlyArray<{ id: string; text: string }>, tone: Tone): { text: string; template: string } {
  const template = pick(rng, templates);
  const subject = pick(rng, SUBJECTS);
  let core = fill(template.text, { subj: subject.phrase, noun: subject.noun });
  if (tone !== 'neutral' && rng() < 0.6) core += ` ${pick(rng, TONE_EMOJI[tone])}`;
  return { text: decorate(rng, core), template: template.id };
}

function toneScene(rng: Rng, tone: Tone): { scene: Omit<SyntheticScene, 'noise'>; motif: string } {
  const look = TONE_LOOK[tone];
  const motif = pick(rng, look.motifs);
  const items: SyntheticItem[] = [...clutter(rng, tone === 'negative')];
  // A small label-free object, as in the relation task, in a top corner.
  if (rng() < 0.5) {
    items.push({
      kind: pick(rng, SHAPES).kind,
      fill: jitter(rng, pick(rng, COLOURS).hex, 12),
      x: rng() < 0.5 ? uniform(rng, 12, 24) : uniform(rng, 76, 88),
      y: uniform(rng, 12, 22),
      size: uniform(rng, 5, 8),
      rotation: Math.round(uniform(rng, 0, 90)),
    });
  }
  items.push({
    kind: motif.kind,
    fill: jitter(rng, motif.hex, 10),
    x: uniform(rng, 38, 62),
    y: uniform(rng, 48, 62),
    size: uniform(rng, 20, 27),
    rotation: 0,
  });
  return { scene: { ...background(rng, look.backgrounds), items }, motif: motif.kind };
}

/** (text tone, image tone) combinations per MVSA class, with weights; see SYNTHETIC_TASKS. */
const SENTIMENT_COMBOS: Readonly<Record<number, ReadonlyArray<readonly [Tone, Tone, number]>>> = {
  0: [['neutral', 'neutral', 1]],
  1: [
    ['positive', 'neutral', 0.4],
    ['neutral', 'positive', 0.4],
    ['positive', 'positive', 0.2],
  ],
  2: [
    ['negative', 'neutral', 0.4],
    ['neutral', 'negative', 0.4],
    ['negative', 'negative', 0.2],
  ],
};

function sentimentPost(rng: Rng, labelIndex: number): Drawn {
  const combos = SENTIMENT_COMBOS[labelIndex] as ReadonlyArray<readonly [Tone, Tone, number]>;
  const [textTone, imageTone] = combos[pickWeighted(rng, combos.map((c) => c[2]))] as readonly [Tone, Tone, number];
  const t = toneText(rng, SENTIMENT_TEMPLATES[textTone], textTone);
  const s = toneScene(rng, imageTone);
  return {
    text: t.text,
    textFactors: { template: t.template, tone: textTone },
    imageFactors: { tone: imageTone, motif: s.motif },
    scene: s.scene,
  };
}

function sarcasmPost(rng: Rng, labelIndex: number): Drawn {
  const textTone: 'positive' | 'negative' = rng() < 0.5 ? 'positive' : 'negative';
  const sarcastic = labelIndex === 1;
  const imageTone: Tone = sarcastic === (textTone === 'positive') ? 'negative' : 'positive';
  const t = toneText(rng, SARCASM_TEMPLATES[textTone], textTone);
  const s = toneScene(rng, imageTone);
  return {
    text: t.text,
    textFactors: { template: t.template, tone: textTone },
    imageFactors: { tone: imageTone, motif: s.motif },
    scene: s.scene,
  };
}

const DRAW: Record<SyntheticTask, (rng: Rng, labelIndex: number) => Drawn> = {
  relation: relationPost,
  sentiment: sentimentPost,
  sarcasm: sarcasmPost,
};

/**
 * The posts of a synthetic data set, in memory and without rendering images: ids, texts, labels,
 * stratified splits, and for each post the factors its text and image express and the scene to
 * draw. {@link generateSyntheticDataset} writes them to disk; this is the fast path for tests and
 * for checking that neither modality alone gives the label away.
 *
 * Class counts follow `classProportions` exactly (largest remainder), in a seeded random order.
 * Splits are stratified 80/10/10: within each class (in a seeded random order) every 10 posts
 * give 8 train, 1 val, 1 test, counting on across classes, so the totals are exact for a
 * multiple of 10 and each class is within one post of its share.
 *
 * @param options - `task`, `size` (300), `seed` (0), `classProportions` (equal)
 * @returns `{ task, classes, posts, classBalance, splits }`
 * @throws MmauxDatasetError `INVALID_OPTION` for an unknown task or a bad size, seed or proportion
 *
 * @example
 * ```ts
 * const plan = generateSyntheticPosts({ task: 'sarcasm', size: 40, seed: 1 });
 * plan.classBalance; // {"not sarcastic": 20, "sarcastic": 20}
 * plan.splits; // {"train": 32, "val": 4, "test": 4}
 * plan.posts[0].id; // "sarcasm-0000"
 * plan.posts[0].image; // "images/sarcasm-0000.png"
 * generateSyntheticPosts({ task: 'sarcasm', size: 40, seed: 1 }).posts[7].text === plan.posts[7].text; // true
 * ```
 */
export function generateSyntheticPosts(options: SyntheticPostsOptions): SyntheticPlan {
  const { task, size, seed, proportions } = resolvePostsOptions('generateSyntheticPosts', options);
  const classes = [...SYNTHETIC_TASKS[task].classes];
  const counts = classCounts(size, proportions);
  const rng = mulberry32(deriveSeed(seed, 'synthetic', task, 'plan'));
  const labels = shuffle(
    rng,
    counts.flatMap((c, k) => Array.from({ length: c }, () => k)),
  );
  const digits = Math.max(4, String(size - 1).length);
  const posts: SyntheticPost[] = labels.map((labelIndex, i) => {
    const id = `${task}-${String(i).padStart(digits, '0')}`;
    const drawn = DRAW[task](rng, labelIndex);
    return {
      id,
      text: drawn.text,
      image: `images/${id}.png`,
      label: classes[labelIndex] as string,
      labelIndex,
      split: 'train',
      textFactors: drawn.textFactors,
      imageFactors: drawn.imageFactors,
      scene: { ...drawn.scene, noise: { amplitude: 6, seed: deriveSeed(seed, 'synthetic', task, 'noise', i) } },
    };
  });
  // Stratified 80/10/10.
  const splitRng = mulberry32(deriveSeed(seed, 'synthetic', task, 'split'));
  let k = 0;
  for (let c = 0; c < classes.length; c++) {
    const members = shuffle(
      splitRng,
      posts.filter((p) => p.labelIndex === c),
    );
    for (const p of members) {
      const r = k % 10;
      p.split = r < 8 ? 'train' : r === 8 ? 'val' : 'test';
      k++;
    }
  }
  const classBalance = Object.fromEntries(classes.map((name, c) => [name, counts[c] as number]));
  const splits = { train: 0, val: 0, test: 0 };
  for (const p of posts) splits[p.split]++;
  return { task, classes, posts, classBalance, splits };
}
