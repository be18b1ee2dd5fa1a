import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createRng, type Rng } from '@mmaux/losses';
import type { FusionKind, FusionModelOptions, ImageFeatures, TextFeatures } from '../src/index.js';

export const BACKENDS = ['wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** Switches tfjs to `name` (awaiting wasm's start-up) and fails loudly if it did not switch. */
export async function useBackend(name: BackendName): Promise<void> {
  const ok = await tf.setBackend(name);
  await tf.ready();
  if (!ok || tf.getBackend() !== name) throw new Error(`could not switch tfjs to the ${name} backend`);
}

export const MULTIMODAL_KINDS = ['concat', 'attention', 'gmu', 'single-stream', 'dual-stream'] as const satisfies readonly FusionKind[];

/** Small options every test model shares (dims 8–16, one or two transformer layers). */
export function smallOptions(overrides: Partial<FusionModelOptions> = {}): FusionModelOptions {
  return {
    textDim: 8,
    imageDim: 6,
    numClasses: 3,
    hiddenDim: 16,
    projectionDim: 8,
    heads: 2,
    layers: 1,
    maxTextLength: 8,
    maxImageTokens: 6,
    seed: 7,
    ...overrides,
  };
}

/** Standard normal numbers from a seeded generator. */
export function gaussian(rng: Rng, size: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    const u = 1 - rng();
    const v = rng();
    out[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  return out;
}

export interface Batch {
  text: TextFeatures;
  image: ImageFeatures;
  labels: number[];
}

/**
 * A seeded batch of random features. `lengths[i]` real tokens for post i (right-padded to
 * `textLength`); padded positions hold `padValue` (random when undefined).
 */
export function randomBatch(
  seed: number,
  { n = 6, textLength = 5, patches = 4, textDim = 8, imageDim = 6, numClasses = 3, lengths, padValue }: {
    n?: number;
    textLength?: number;
    patches?: number;
    textDim?: number;
    imageDim?: number;
    numClasses?: number;
    lengths?: number[];
    padValue?: number;
  } = {},
): Batch {
  const rng = createRng(seed);
  const lens = lengths ?? Array.from({ length: n }, (_, i) => 1 + (i % textLength));
  const tokens = gaussian(rng, n * textLength * textDim);
  const mask = new Float32Array(n * textLength);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < textLength; j++) {
      const real = j < lens[i]!;
      mask[i * textLength + j] = real ? 1 : 0;
      if (!real && padValue !== undefined) tokens.fill(padValue, (i * textLength + j) * textDim, (i * textLength + j + 1) * textDim);
    }
  }
  return {
    text: {
      tokens: tf.tensor3d(tokens, [n, textLength, textDim]),
      mask: tf.tensor2d(mask, [n, textLength]),
      pooled: tf.tensor2d(gaussian(rng, n * textDim), [n, textDim]),
    },
    image: {
      patches: tf.tensor3d(gaussian(rng, n * patches * imageDim), [n, patches, imageDim]),
      pooled: tf.tensor2d(gaussian(rng, n * imageDim), [n, imageDim]),
    },
    labels: Array.from({ length: n }, () => Math.min(numClasses - 1, Math.floor(rng() * numClasses))),
  };
}

export function disposeBatch(batch: { text?: TextFeatures; image?: ImageFeatures }): void {
  if (batch.text) tf.dispose([batch.text.tokens, batch.text.mask, batch.text.pooled]);
  if (batch.image) tf.dispose([batch.image.patches, batch.image.pooled]);
}

