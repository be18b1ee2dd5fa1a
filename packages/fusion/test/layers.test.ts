import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { dense, dropout, gelu, layerNorm, residualAdd, selectRows } from '../src/layers.js';
import { feedForward, keyBias, multiHeadAttention, type AttentionWeights } from '../src/cores/transformer-blocks.js';
import { glorotUniform, truncatedNormal } from '../src/weights.js';
import { createRng } from '@mmaux/losses';
import { BACKENDS, expectClose, useBackend } from './helpers.js';

// The hand-written gradients (tf.customGrad) against tfjs's own autodiff of the same function
// composed from plain ops (registered by the @tensorflow/tfjs umbrella).
describe.each(BACKENDS)('custom gradients equal tfjs autodiff on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });
  const r = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

  // Width 5 takes tfjs ops; 16 the fused kernels on wasm.
  it.each([5, 16])('layerNorm (value and d/dx, d/dγ, d/dβ), width %i', (width) => {
    const [x, g, b, w] = [r([3, 4, width], 1), r([width], 2), r([width], 3), r([3, 4, width], 4)];
    const reference = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const centred = tf.sub(x, tf.mean(x, -1, true));
      return tf.add(tf.mul(tf.div(centred, tf.sqrt(tf.add(tf.mean(tf.square(centred), -1, true), 1e-5))), g), b);
    };
    expectClose(layerNorm(x, g, b).dataSync(), reference(x, g, b).dataSync(), 1e-5, 1e-5);
    const ours = tf.grads((x, g, b) => tf.sum(tf.mul(layerNorm(x, g, b), w)))([x, g, b]);
    const theirs = tf.grads((x, g, b) => tf.sum(tf.mul(reference(x, g, b), w)))([x, g, b]);
    ours.forEach((o, i) => expectClose(o.dataSync(), theirs[i]!.dataSync(), 1e-4, 1e-5));
  });

  it('gelu (tanh form)', () => {
    const [x, w] = [r([4, 6], 5), r([4, 6], 6)];
    const reference = (x: tf.Tensor) =>
      tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI))), 1));
    expectClose(gelu(x).dataSync(), reference(x).dataSync());
    expectClose(tf.grad((x) => tf.sum(tf.mul(gelu(x), w)))(x).dataSync(), tf.grad((x) => tf.sum(tf.mul(reference(x), w)))(x).dataSync(), 1e-5, 1e-6);
  });

  it('dense: value and gradients; with constantInput no gradient reaches x', () => {
    const [x, w, b, dy] = [r([2, 3, 4], 20), r([4, 5], 21), r([5], 22), r([2, 3, 5], 23)];
    const reference = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.add(tf.matMul(tf.reshape(x, [6, 4]) as tf.Tensor2D, w as tf.Tensor2D), b).reshape([2, 3, 5]);
    expectClose(dense(x, w, b).dataSync(), reference(x, w, b).dataSync());
    const ours = tf.grads((x, w, b) => tf.sum(tf.mul(dense(x, w, b), dy)))([x, w, b]);
    const theirs = tf.grads((x, w, b) => tf.sum(tf.mul(reference(x, w, b), dy)))([x, w, b]);
    ours.forEach((o, i) => expectClose(o.dataSync(), theirs[i]!.dataSync(), 1e-5, 1e-5));
    const [gw, gb] = tf.grads((w, b) => tf.sum(tf.mul(dense(x, w, b, true), dy)))([w, b]);
    expectClose(gw!.dataSync(), theirs[1]!.dataSync(), 1e-5, 1e-5);
    expectClose(gb!.dataSync(), theirs[2]!.dataSync(), 1e-5, 1e-5);
    // x enters as a constant: differentiating with respect to it finds no path.
    expect(() => tf.grad((x) => tf.sum(dense(x, w, b, true)))(x)).toThrow();
  });

  it('residualAdd and dropout pass gradients through (dropout: through its mask)', () => {
    const [a, b] = [r([3, 4], 24), r([3, 4], 25)];
    const [ga, gb] = tf.grads((a, b) => tf.sum(tf.mul(residualAdd(a, b), a)))([a, b]);
    expectClose(ga!.dataSync(), tf.add(tf.mul(a, 2), b).dataSync(), 1e-5, 1e-6);
    expectClose(gb!.dataSync(), a.dataSync());
    const ctx = { training: true, rng: createRng(4) };
    const kept = dropout(a, 0.5, { training: true, rng: createRng(4) });
    const g = tf.grad((x) => tf.sum(dropout(x, 0.5, ctx)))(a);
    expectClose(g.dataSync(), tf.div(kept, a).dataSync(), 1e-5, 1e-6);
  });

  it('feedForward equals W₂·gelu(W₁x + b₁) + b₂ composed from plain ops, with its gradients', () => {
    const x = r([2, 3, 4], 26);
    const w = { norm: undefined as never, in: { kernel: r([4, 6], 27), bias: r([6], 28) }, out: { kernel: r([6, 4], 29), bias: r([4], 30) } } as unknown as Parameters<typeof feedForward>[1];
    const dy = r([2, 3, 4], 31);
    const tanhGelu = (h: tf.Tensor) => tf.mul(tf.mul(h, 0.5), tf.add(tf.tanh(tf.mul(tf.add(h, tf.mul(tf.pow(h, 3), 0.044715)), Math.sqrt(2 / Math.PI))), 1));
    const reference = (x: tf.Tensor, w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, b2: tf.Tensor) => {
      const h = tf.add(tf.matMul(tf.reshape(x, [6, 4]) as tf.Tensor2D, w1 as tf.Tensor2D), b1);
      return tf.reshape(tf.add(tf.matMul(tanhGelu(h) as tf.Tensor2D, w2 as tf.Tensor2D), b2), [2, 3, 4]);
    };
    const ours = (x: tf.Tensor, w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, b2: tf.Tensor) =>
      feedForward(x as tf.Tensor3D, { ...w, in: { kernel: w1, bias: b1 }, out: { kernel: w2, bias: b2 } } as never);
    const args = [x, w.in.kernel, w.in.bias!, w.out.kernel, w.out.bias!];
    expectClose(ours(...(args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor])).dataSync(), reference(...(args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor])).dataSync(), 1e-5, 1e-5);
    const g1 = tf.grads((a, b, c, d, e) => tf.sum(tf.mul(ours(a, b, c, d, e), dy)))(args);
    const g2 = tf.grads((a, b, c, d, e) => tf.sum(tf.mul(reference(a, b, c, d, e), dy)))(args);
    g1.forEach((g, i) => expectClose(g.dataSync(), g2[i]!.dataSync(), 1e-4, 1e-5));
  });

  // Heads of width 3 take tfjs ops; of width 16 and 32 the fused head kernels on wasm.
  it.each([[6, 2], [32, 2], [64, 2]])('multiHeadAttention (self and cross, with a key mask) equals a plain-op reference, with its gradients (width %i, %i heads)', (width, heads) => {
    const [n, sq, sk] = [2, 5, 7]; // key counts with and without a remainder after blocks of four
    const d = width / heads;
    // Weights at the scale of a Glorot init, so that the softmax is not saturated.
    const param = (seed: number, shape: number[]) => tf.mul(r(shape, seed), shape.length === 2 ? 1 / Math.sqrt(width) : 0.1);
    const weights = (seed: number): AttentionWeights => ({
      q: { kernel: param(seed, [width, width]) as tf.Variable, bias: param(seed + 1, [width]) as tf.Variable },
      k: { kernel: param(seed + 2, [width, width]) as tf.Variable, bias: param(seed + 3, [width]) as tf.Variable },
      v: { kernel: param(seed + 4, [width, width]) as tf.Variable, bias: param(seed + 5, [width]) as tf.Variable },
      out: { kernel: param(seed + 6, [width, width]) as tf.Variable, bias: param(seed + 7, [width]) as tf.Variable },
    });
    const w = weights(40);
    const split = (t: tf.Tensor, s: number) => tf.transpose(tf.reshape(t, [n, s, heads, d]), [0, 2, 1, 3]);
    const proj = (x: tf.Tensor, p: { kernel: tf.Tensor; bias?: tf.Tensor }) => tf.add(tf.matMul(tf.reshape(x, [-1, width]) as tf.Tensor2D, p.kernel as tf.Tensor2D), p.bias!);
    const reference = (x: tf.Tensor, y: tf.Tensor, flags: number[][]) => {
      const s2 = y.shape[1]!;
      const q = split(proj(x, w.q), x.shape[1]!);
      const k = split(proj(y, w.k), s2);
      const v = split(proj(y, w.v), s2);
      const bias = tf.tensor(flags.map((row) => row.map((f) => (f ? 0 : -1e9))), [n, 1, 1, s2]);
      const p = tf.softmax(tf.add(tf.div(tf.matMul(q as tf.Tensor4D, k as tf.Tensor4D, false, true), Math.sqrt(d)), bias));
      const c = tf.reshape(tf.transpose(tf.matMul(p as tf.Tensor4D, v as tf.Tensor4D), [0, 2, 1, 3]), [-1, width]);
      return tf.reshape(tf.add(tf.matMul(c as tf.Tensor2D, w.out.kernel as tf.Tensor2D), w.out.bias!), [n, x.shape[1]!, width]);
    };
    const x = r([n, sq, width], 50);
    const y = r([n, sk, width], 51);
    const flagsY = [[1, 1, 0, 1, 1, 0, 1], [1, 0, 0, 0, 1, 1, 0]];
    const flagsX = [[1, 1, 1, 0, 1], [1, 1, 0, 0, 0]];
    const biasOf = (flags: number[][]) => keyBias(Float32Array.from(flags.flat()), n, flags[0]!.length);
    // Self-attention.
    const selfOurs = (a: tf.Tensor) => multiHeadAttention(w, a as tf.Tensor3D, null, biasOf(flagsX), heads);
    expectClose(selfOurs(x).dataSync(), reference(x, x, flagsX).dataSync(), 1e-4, 1e-5);
    expectClose(tf.grad((a) => tf.sum(tf.square(selfOurs(a))))(x).dataSync(), tf.grad((a) => tf.sum(tf.square(reference(a, a, flagsX))))(x).dataSync(), 1e-3, 1e-4);
    // Cross-attention: gradients for both streams.
    const crossOurs = (a: tf.Tensor, b: tf.Tensor) => multiHeadAttention(w, a as tf.Tensor3D, b as tf.Tensor3D, biasOf(flagsY), heads);
    expectClose(crossOurs(x, y).dataSync(), reference(x, y, flagsY).dataSync(), 1e-4, 1e-5);
    const ours = tf.grads((a, b) => tf.sum(tf.square(crossOurs(a, b))))([x, y]);
    const theirs = tf.grads((a, b) => tf.sum(tf.square(reference(a, b, flagsY))))([x, y]);
    ours.forEach((g, i) => expectClose(g.dataSync(), theirs[i]!.dataSync(), 1e-3, 1e-4));
  });

  it('selectRows: forward is tf.gather, gradient a scatter-add (repeated rows add up)', () => {
    const x = r([4, 2, 3], 13);
    const picked = selectRows(x, [2, 0, 2]);
    expect(picked.arraySync()).toEqual(tf.gather(x, [2, 0, 2]).arraySync());
    const w = r([3, 2, 3], 14);
    const g = tf.grad((x) => tf.sum(tf.mul(selectRows(x, [2, 0, 2]), w)))(x).arraySync() as number[][][];
    const wv = w.arraySync() as number[][][];
    const add = (a: number[][], b: number[][]) => a.map((row, i) => row.map((v, j) => v + b[i]![j]!));
    const zero = [[0, 0, 0], [0, 0, 0]];
    const expected = [wv[1]!, zero, add(wv[0]!, wv[2]!), zero];
    expectClose(g.flat(2), expected.flat(2));
  });
});

describe('seeded randomness', () => {
  it('initialisers and dropout masks are functions of the seed', () => {
    expect(Array.from(glorotUniform(createRng(1), 3, 5))).toEqual(Array.from(glorotUniform(createRng(1), 3, 5)));
    const limit = Math.sqrt(6 / 8);
    expect(Array.from(glorotUniform(createRng(2), 3, 5)).every((v) => Math.abs(v) <= limit)).toBe(true);
    const normal = truncatedNormal(createRng(3), 4000, 0.02);
    const mean = normal.reduce((a, b) => a + b, 0) / normal.length;
    expect(Math.abs(mean)).toBeLessThan(0.002);
    expect(Array.from(normal).every((v) => Math.abs(v) <= 0.04)).toBe(true);
    const x = tf.ones([200, 10]);
    const a = dropout(x, 0.3, { training: true, rng: createRng(9) }).dataSync();
    const b = dropout(x, 0.3, { training: true, rng: createRng(9) }).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    const kept = Array.from(a).filter((v) => v !== 0);
    expect(kept.every((v) => Math.abs(v - 1 / 0.7) < 1e-6)).toBe(true);
    expect(Math.abs(kept.length / a.length - 0.7)).toBeLessThan(0.03);
    expect(dropout(x, 0.3, { training: false, rng: createRng(9) })).toBe(x);
  });
});
