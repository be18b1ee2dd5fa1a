import * as tf from '@tensorflow/tfjs';
import { createRng, type Rng } from '@mmaux/losses';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamW, createFusionModel, createTrainStep, type FusionKind, type FusionModel } from '../src/index.js';
import { disposeBatch, gaussian, useBackend } from './helpers.js';

const N = 8;
const L = 4;
const P = 3;
const D = 8;

/**
 * Posts whose text and image share a latent z ~ N(0, I): every text token is z + noise, every
 * image patch is a fixed permutation of z plus noise. The class labels are random. Marginally
 * each modality is pure noise, so only the pairing carries information: matched pairs share z,
 * swapped ones do not. Every batch is fresh, so the ITM head must learn the pairing rule, not
 * the posts.
 */
function pairingBatch(rng: Rng) {
  const z = gaussian(rng, N * D);
  const noise = (size: number) => Array.from(gaussian(rng, size), (x) => 0.3 * x);
  const tokens = new Float32Array(N * L * D);
  const patches = new Float32Array(N * P * D);
  const textNoise = noise(N * L * D);
  const imageNoise = noise(N * P * D);
  const imagePooled = new Float32Array(N * D);
  for (let i = 0; i < N; i++) {
    for (let d = 0; d < D; d++) {
      const zi = z[i * D + d]!;
      const shifted = z[i * D + ((d + 1) % D)]!;
      imagePooled[i * D + d] = shifted;
      for (let j = 0; j < L; j++) tokens[(i * L + j) * D + d] = zi + textNoise[(i * L + j) * D + d]!;
      for (let j = 0; j < P; j++) patches[(i * P + j) * D + d] = shifted + imageNoise[(i * P + j) * D + d]!;
    }
  }
  return {
    text: { tokens: tf.tensor3d(tokens, [N, L, D]), mask: tf.ones([N, L]) as tf.Tensor2D, pooled: tf.tensor2d(z, [N, D]) },
    image: { patches: tf.tensor3d(patches, [N, P, D]), pooled: tf.tensor2d(imagePooled, [N, D]) },
    labels: Array.from({ length: N }, () => (rng() < 0.5 ? 0 : 1)),
  };
}

/** Accuracy of "matched iff P(match) > 0.5" on fresh matched pairs and on every post's text swapped with the next post's. */
function heldOutItmAccuracy(model: FusionModel, rng: Rng, batches = 3): number {
  let correct = 0;
  for (let b = 0; b < batches; b++) {
    const batch = pairingBatch(rng);
    const swapped = model.forward(batch, { itmPartner: Array.from({ length: N }, (_, i) => (i + 1) % N) });
    const matched = model.matchLogits(batch.text, batch.image);
    const pm = tf.tidy(() => tf.softmax(matched).arraySync() as number[][]);
    const ps = tf.tidy(() => tf.softmax(swapped.matchLogits!).arraySync() as number[][]);
    correct += pm.filter((p) => p[1]! > 0.5).length + ps.filter((p) => p[1]! < 0.5).length;
    tf.dispose([matched, swapped.classLogits, swapped.fused, swapped.textEmbedding!, swapped.imageEmbedding!, swapped.matchLogits!]);
    disposeBatch(batch);
  }
  return correct / (2 * N * batches);
}

// Single-stream mixes both modalities into CLS before it can compare them: it learns slowest.
const CASES: Array<[FusionKind, { steps: number; layers: number; hiddenDim: number }]> = [
  ['concat', { steps: 150, layers: 1, hiddenDim: 32 }],
  ['attention', { steps: 150, layers: 1, hiddenDim: 32 }],
  ['gmu', { steps: 150, layers: 1, hiddenDim: 32 }],
  ['dual-stream', { steps: 200, layers: 1, hiddenDim: 32 }],
  ['single-stream', { steps: 300, layers: 1, hiddenDim: 32 }],
];

describe('ITM learns the pairing when only the pairing carries signal (wasm)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it.each(CASES)('%s separates matched from swapped pairs on held-out posts', async (kind, { steps, layers, hiddenDim }) => {
    const model = createFusionModel(kind, {
      textDim: D,
      imageDim: D,
      numClasses: 2,
      hiddenDim,
      projectionDim: 8,
      heads: 2,
      layers,
      maxTextLength: L,
      maxImageTokens: P,
      transformerDropout: 0,
      seed: 5,
    });
    const evalRng = createRng(99);
    const before = heldOutItmAccuracy(model, evalRng);
    // ITM carries the objective; CE on random labels and ITC off.
    const trainer = createTrainStep(model, { optimizer: new AdamW({ learningRate: 3e-3 }), betaItc: 0, betaItm: 0.9, rng: createRng(3) });
    const data = createRng(11);
    for (let s = 0; s < steps; s++) {
      const batch = pairingBatch(data);
      await trainer.step(batch);
      disposeBatch(batch);
    }
    const after = heldOutItmAccuracy(model, evalRng);
    expect(before).toBeLessThan(0.7);
    expect(after).toBeGreaterThanOrEqual(0.75);
    model.dispose();
  });
});
