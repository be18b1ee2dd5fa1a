// The word-identity task of issue 13, shared by test/finetune-word-identity.test.ts and
// bench/finetune-experiment.ts: a tiny BERT whose frozen top layer erases which of six
// near-synonyms a post uses, and a data set whose label is exactly that choice.
//
// The encoder. Hidden size 32; coordinates 0–3 are the "connotation" subspace D, the other 28
// (D⊥) carry everything else. The six decisive words (slim, slender, lean | skinny, scrawny, bony)
// share one embedding in D⊥ (the same denotation, "thin") and differ only in D: six vectors of
// equal norm with zero coordinate sum, the first three on one side of a direction u, the last
// three on the other. Every other embedding (words, positions, token types) is zero in D. All
// three layers are block-structured: queries and keys read D⊥ only (so attention weights never
// depend on the word), values and output projections map D → D (scaled identity) and D⊥ → D⊥
// (random), the feed-forward blocks read and write D⊥, D biases are 0 and the LayerNorm gains are
// 1 on D. Then, by induction over the layers, every token's D part is c·d_w + e·1_D with c, e the
// same for all six words (the zero sum keeps LayerNorm's mean out of D; the equal norms keep its
// scale the same), and every D⊥ part is the same for all six: the words' identity lives in D
// only, and attention carries it into every token, [CLS] included (the first-token "pooled"
// vector the trainer caches). The top layer's feed-forward block has eight more hidden units:
// W1 = [s·I_D; −s·I_D], W2 = [−I_D/s, I_D/s], so it adds −(gelu(s·h_D) − gelu(−s·h_D))/s = −h_D
// (gelu(z) − gelu(−z) = z exactly) and cancels the residual stream's D part. Its output, every
// token and the pooled vector, is the same for the six words up to float rounding (cosine
// 1 − 1e-13 measured), while the hidden states entering it still differ (measured by
// {@link measureBlur}). k = 0 trains on those erased features; k ≥ 1 retrains the top layer,
// whose W2 gets a gradient through gelu(±s·h_D), which carries the word.
//
// The data set. Each post is "<template with a subject and a decisive word>"; its label is the
// decisive word's side (approving: slim, slender, lean; disparaging: skinny, scrawny, bony). Posts
// come in twins that differ only in the decisive word (one of each side) and share one image, a
// small PNG whose colour is the subject's (cat red, dog blue, …): the image agrees with the text
// (ITC and ITM have the subject to learn) but says nothing about the label. With the frozen
// encoder the two twins of a pair have the same text and image features, so any model predicts
// the same class for both and scores exactly one of the two: k = 0 accuracy is 0.5 on every split
// however it trains, with no luck in it. k ≥ 1 can reach 1.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng } from '@mmaux/datasets';
import { createRng } from '@mmaux/losses';
import { type TinyBertSpec, tinyBertWeights, writeTinyBert } from '../../../packages/encoders/test/helpers/tiny-bert.js';
import { auxOf, type RunConfig, resolveRunConfig } from '../src/config.js';
import { createEncoders } from '../src/features.js';
import type { Setting } from '../src/run-files.js';

/** The decisive words: the label is the side the word is on. */
export const APPROVING_WORDS = ['slim', 'slender', 'lean'] as const;
export const DISPARAGING_WORDS = ['skinny', 'scrawny', 'bony'] as const;
/** Classes of the data set, in label order. */
export const WORD_IDENTITY_CLASSES = ['approving', 'disparaging'] as const;
/** Subjects and their image colours: what ties an image to its text. */
export const SUBJECTS: readonly { word: string; rgb: [number, number, number] }[] = [
  { word: 'cat', rgb: [220, 40, 40] },
  { word: 'dog', rgb: [40, 60, 220] },
  { word: 'fox', rgb: [230, 200, 40] },
  { word: 'owl', rgb: [200, 50, 200] },
  { word: 'frog', rgb: [40, 200, 60] },
  { word: 'horse', rgb: [40, 200, 210] },
];
/** Sentences over the tiny vocabulary; `S` the subject, `W` the decisive word. */
const TEMPLATES = ['my S is so W', 'this S is very W !', 'the S on the mat is W', 'photo of my W S', 'that new S is so very W .', 'W S of the day', 'my S and the W S', 'is this S not W ?'];

/** Hidden size 32 (D: coordinates 0–3), 2 heads, 3 layers, 48 + 8 feed-forward units. */
export const WORD_IDENTITY_SPEC: TinyBertSpec = {
  modelType: 'bert',
  hidden: 32,
  heads: 2,
  intermediate: 56,
  layers: 3,
  maxPositions: 24,
  layerNormEps: 1e-12,
  seed: 13,
  extraWords: [...APPROVING_WORDS, ...DISPARAGING_WORDS, 'fox', 'owl', 'frog', 'horse'],
};
/** Size of the connotation subspace D (its coordinates come first). */
const D = 4;
/** Feed-forward units of the top layer that cancel D (2·D, the last ones). */
const ERASER_UNITS = 2 * D;
/** Norm of a decisive word's D part, against ≈ 2 for the shared D⊥ part. */
const CONNOTATION_NORM = 2.5;
/** Value scale on D in every layer: how strongly attention spreads the word into the other tokens. */
const D_VALUE_SCALE = 3;
/** s of the eraser units: any value cancels D exactly; 1 keeps gelu in its curved range. */
const ERASER_SCALE = 1;

type Weights = Map<string, { shape: number[]; data: Float32Array }>;

/** The decisive words' D parts: equal norm, zero coordinate sum, sides separated along u. */
function connotationVectors(): Float32Array[] {
  // An orthonormal pair in the zero-sum plane of R⁴.
  const u = [0.5, 0.5, -0.5, -0.5];
  const v = [0.5, -0.5, 0.5, -0.5];
  const angles = [-40, 0, 40, 140, 180, 220].map((a) => (a * Math.PI) / 180);
  return angles.map((a) => Float32Array.from(u.map((ui, i) => CONNOTATION_NORM * (Math.cos(a) * ui + Math.sin(a) * v[i]!))));
}

/**
 * The encoder's weights: the seeded tiny BERT's, reshaped into the block structure the header
 * comment describes (D⊥ blocks keep the seeded random values; D blocks are set).
 */
export function wordIdentityWeights(spec: TinyBertSpec = WORD_IDENTITY_SPEC): Weights {
  const weights = tinyBertWeights(spec);
  const h = spec.hidden;
  const w = (name: string) => weights.get(`bert.${name}`)!.data;
  const inD = (i: number) => i < D;
  const extra = spec.extraWords!;
  const vocabSize = weights.get('bert.embeddings.word_embeddings.weight')!.shape[0]!;
  const firstExtra = vocabSize - extra.length;
  const decisive = [...APPROVING_WORDS, ...DISPARAGING_WORDS].map((word) => firstExtra + extra.indexOf(word));

  // Embeddings: zero in D, except the decisive words, which share their D⊥ part.
  const words = w('embeddings.word_embeddings.weight');
  for (let t = 0; t < vocabSize; t++) for (let i = 0; i < D; i++) words[t * h + i] = 0;
  const shared = words.slice(decisive[0]! * h, (decisive[0]! + 1) * h);
  connotationVectors().forEach((c, k) => {
    const row = decisive[k]! * h;
    words.set(shared, row);
    words.set(c, row);
  });
  for (const name of ['embeddings.position_embeddings.weight', 'embeddings.token_type_embeddings.weight']) {
    const table = w(name);
    for (let r = 0; r < table.length / h; r++) for (let i = 0; i < D; i++) table[r * h + i] = 0;
  }
  const norm = (prefix: string) => {
    const gain = w(`${prefix}.weight`);
    const bias = w(`${prefix}.bias`);
    for (let i = 0; i < D; i++) {
      gain[i] = 1;
      bias[i] = 0;
    }
  };
  norm('embeddings.LayerNorm');

  // A [out, in] linear map made block-diagonal over (D, D⊥): `dBlock` on D → D (null: zero), D⊥ → D⊥ kept.
  const blockDiagonal = (name: string, dBlock: number | null) => {
    const m = w(`${name}.weight`);
    const b = w(`${name}.bias`);
    for (let o = 0; o < h; o++) {
      for (let i = 0; i < h; i++) if (inD(o) !== inD(i) || (inD(o) && dBlock === null)) m[o * h + i] = 0;
      if (inD(o)) {
        b[o] = 0;
        if (dBlock !== null) for (let i = 0; i < D; i++) m[o * h + i] = o === i ? dBlock : 0;
      }
    }
  };
  const units = spec.intermediate;
  for (let l = 0; l < spec.layers; l++) {
    const p = `encoder.layer.${l}`;
    // Queries and keys read D⊥ only: attention weights are the same whichever word a post uses.
    for (const name of ['attention.self.query', 'attention.self.key']) {
      const m = w(`${p}.${name}.weight`);
      for (let o = 0; o < h; o++) for (let i = 0; i < D; i++) m[o * h + i] = 0;
    }
    blockDiagonal(`${p}.attention.self.value`, D_VALUE_SCALE);
    blockDiagonal(`${p}.attention.output.dense`, 1);
    norm(`${p}.attention.output.LayerNorm`);
    norm(`${p}.output.LayerNorm`);
    // Feed-forward: the first units read and write D⊥ only; the last 2·D are the top layer's eraser (zero below it).
    const w1 = w(`${p}.intermediate.dense.weight`);
    const b1 = w(`${p}.intermediate.dense.bias`);
    const w2 = w(`${p}.output.dense.weight`);
    const b2 = w(`${p}.output.dense.bias`);
    const top = l === spec.layers - 1;
    for (let j = 0; j < units; j++) {
      const eraser = j >= units - ERASER_UNITS;
      for (let i = 0; i < h; i++) {
        if (eraser || inD(i)) w1[j * h + i] = 0;
        if (eraser || inD(i)) w2[i * units + j] = 0;
      }
      if (eraser) b1[j] = 0;
      if (eraser && top) {
        const e = j - (units - ERASER_UNITS);
        const coordinate = e % D;
        const sign = e < D ? 1 : -1;
        w1[j * h + coordinate] = sign * ERASER_SCALE;
        w2[coordinate * units + j] = -sign / ERASER_SCALE;
      }
    }
    for (let i = 0; i < D; i++) b2[i] = 0;
  }
  return weights;
}

/** Writes the encoder folder (config, tokenizer, model.safetensors, onnx/model.onnx); returns it. */
export function writeWordIdentityEncoder(dir: string): Promise<string> {
  return writeTinyBert(dir, WORD_IDENTITY_SPEC, wordIdentityWeights());
}

/** Pairs of twin posts per split. */
export interface WordIdentitySizes {
  train: number;
  val: number;
  test: number;
}

/** One twin pair: the same subject, template and image; one approving and one disparaging word. */
export interface WordIdentityPair {
  id: string;
  split: 'train' | 'val' | 'test';
  subject: number;
  texts: [approving: string, disparaging: string];
}

/** The pairs of the data set, drawn from `seed` (subjects cycle so every split is balanced). */
export function wordIdentityPairs(sizes: WordIdentitySizes, seed: number): WordIdentityPair[] {
  const rng = createRng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
  const pairs: WordIdentityPair[] = [];
  for (const split of ['train', 'val', 'test'] as const) {
    for (let i = 0; i < sizes[split]; i++) {
      const subject = i % SUBJECTS.length;
      const template = pick(TEMPLATES).replaceAll('S', SUBJECTS[subject]!.word);
      const fill = (word: string) => template.replace('W', word);
      pairs.push({ id: `${split}${i}`, split, subject, texts: [fill(pick(APPROVING_WORDS)), fill(pick(DISPARAGING_WORDS))] });
    }
  }
  return pairs;
}

/** A 16 × 16 image of the subject's colour with per-pixel noise. */
async function subjectImage(rgb: readonly number[], rng: () => number): Promise<Uint8Array> {
  const side = 16;
  const data = new Uint8Array(side * side * 3);
  for (let p = 0; p < side * side; p++) {
    for (let c = 0; c < 3; c++) data[p * 3 + c] = Math.max(0, Math.min(255, Math.round(rgb[c]! + (rng() * 2 - 1) * 30)));
  }
  return encodePng({ data, width: side, height: side, channels: 3 });
}

/**
 * Writes the data set into `dir`: `images/<pair>.png`, `manifest.csv` (id, text, image, label,
 * split; the twins `<pair>a` approving, `<pair>b` disparaging) and `dataset.json` with the
 * classes. Returns the manifest's path.
 */
export async function writeWordIdentityData(dir: string, sizes: WordIdentitySizes, seed = 1): Promise<string> {
  mkdirSync(join(dir, 'images'), { recursive: true });
  const rng = createRng(seed + 1000);
  const rows = ['id,text,image,label,split'];
  for (const pair of wordIdentityPairs(sizes, seed)) {
    const image = `images/${pair.id}.png`;
    writeFileSync(join(dir, image), await subjectImage(SUBJECTS[pair.subject]!.rgb, rng));
    pair.texts.forEach((text, side) => rows.push(`${pair.id}${side === 0 ? 'a' : 'b'},"${text}",${image},${WORD_IDENTITY_CLASSES[side]},${pair.split}`));
  }
  writeFileSync(join(dir, 'manifest.csv'), `${rows.join('\n')}\n`);
  writeFileSync(join(dir, 'dataset.json'), `${JSON.stringify({ classes: WORD_IDENTITY_CLASSES })}\n`);
  return join(dir, 'manifest.csv');
}

/** Cosine similarities of twin texts' features, over the pairs measured. */
export interface BlurMeasure {
  pairs: number;
  /** k = 0's features (the frozen encoder's output, through transformers.js): the first-token pooled vector. */
  outputPooled: { mean: number; min: number };
  /** k = 0's features: the decisive word's own token. */
  outputToken: { mean: number; min: number };
  /** k = 1's cached features (the hidden states entering the top layer): the first-token pooled vector. */
  inputPooled: { mean: number; max: number };
  /** k = 1's cached features: the decisive word's own token. */
  inputToken: { mean: number; max: number };
}

function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return ab / Math.sqrt(aa * bb);
}

/**
 * Encodes twin texts with the trainer's own encoders (`--finetune-text-layers 0` and `1`) and
 * compares each pair's features: the frozen output should be the same for both twins, the top
 * layer's input should not.
 */
export async function measureBlur(encoder: string, pairs: readonly WordIdentityPair[], maxLength = 16): Promise<BlurMeasure> {
  const texts = pairs.flatMap((p) => p.texts);
  const decisive = new Set<string>([...APPROVING_WORDS, ...DISPARAGING_WORDS]);
  // Token index of the decisive word: [CLS] first, one token per word of these sentences.
  const position = pairs.map((p) => 1 + p.texts[0].split(' ').findIndex((word) => decisive.has(word)));
  const stats = { outputPooled: [] as number[], outputToken: [] as number[], inputPooled: [] as number[], inputToken: [] as number[] };
  for (const [k, pooledKey, tokenKey] of [[0, 'outputPooled', 'outputToken'], [1, 'inputPooled', 'inputToken']] as const) {
    const { text, image } = await createEncoders({ textEncoder: `hf:${encoder}`, imageEncoder: 'builtin:image-patches', maxLength, finetuneTextLayers: k });
    try {
      const f = await text.encode(texts);
      const { length, dim } = f.shape;
      const token = (row: number, t: number) => f.tokens.slice((row * length + t) * dim, (row * length + t + 1) * dim);
      pairs.forEach((_, i) => {
        stats[pooledKey].push(cosine(f.pooled.slice(2 * i * dim, (2 * i + 1) * dim), f.pooled.slice((2 * i + 1) * dim, (2 * i + 2) * dim)));
        stats[tokenKey].push(cosine(token(2 * i, position[i]!), token(2 * i + 1, position[i]!)));
      });
    } finally {
      await text.dispose?.();
      await image.dispose?.();
    }
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    pairs: pairs.length,
    outputPooled: { mean: mean(stats.outputPooled), min: Math.min(...stats.outputPooled) },
    outputToken: { mean: mean(stats.outputToken), min: Math.min(...stats.outputToken) },
    inputPooled: { mean: mean(stats.inputPooled), max: Math.max(...stats.inputPooled) },
    inputToken: { mean: mean(stats.inputToken), max: Math.max(...stats.inputToken) },
  };
}

/** What varies between the experiment's runs, and where they read and write. */
export interface WordIdentityRun {
  /** The encoder folder ({@link writeWordIdentityEncoder}). */
  encoder: string;
  /** The manifest ({@link writeWordIdentityData}). */
  manifest: string;
  cacheDir: string;
  out: string;
  /** `--finetune-text-layers`. */
  k: number;
  setting: Setting;
  seed: number;
  epochs: number;
  backend: RunConfig['backend'];
  /** Any other run setting (flags' names), e.g. `{ encoderLr: 1e-3 }`. */
  overrides?: Partial<RunConfig>;
}

/**
 * The settings of one run: the attention fusion model (Ber-ViT-Att's kind) at width 32 over the
 * tiny encoder and the built-in image encoder (colour histograms: the subject's colour), batch 16;
 * learning rates are the trainer's defaults (5e-4; the paper's 1e-5 for the fine-tuned layers).
 */
export function wordIdentityConfig(run: WordIdentityRun): RunConfig {
  return resolveRunConfig({}, {
    dataset: 'manifest', data: run.manifest, textEncoder: `hf:${run.encoder}`, imageEncoder: 'builtin:image-patches', maxLength: 16,
    model: 'attention', hiddenDim: 32, epochs: run.epochs, batchSize: 16,
    finetuneTextLayers: run.k, aux: auxOf(run.setting), seed: run.seed, backend: run.backend, cacheDir: run.cacheDir, out: run.out, ...run.overrides,
  });
}
