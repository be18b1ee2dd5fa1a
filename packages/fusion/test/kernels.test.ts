import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { attendRows, timesKernelTransposed } from '../src/cores/attention.js';
import { adamwUpdate, type AdamWSlot } from '../src/kernels/adamw-update.js';
import { matMulBias } from '../src/kernels/matmul.js';
import { columnSums, zeroRows } from '../src/kernels/reductions.js';
import { activeBackendHasSimd } from '../src/kernels/backend-memory.js';
import { simdCompileError } from '../src/kernels/simd/simd-module.js';
import { rowDots, weightedRows } from '../src/kernels/row-products.js';
import { transpose2d } from '../src/kernels/transpose.js';
import { gatherRows, placeRows, scatterAddRows } from '../src/kernels/gather-rows.js';
import { timesTransposed, transposedTimes } from '../src/products.js';
import { BACKENDS, expectClose, useBackend } from './helpers.js';

const r = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

/** V[n mod nv] for each of nr rows, by plain ops. */
const blocks = (v: tf.Tensor3D, nr: number) => tf.gather(v, tf.tensor1d(Array.from({ length: nr }, (_, i) => i % v.shape[0]), 'int32'));

describe.each(BACKENDS)('fused kernels equal plain tfjs ops on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it('runs the SIMD module on wasm (the path under test), not on cpu', () => {
    expect(activeBackendHasSimd(), simdCompileError() ?? '').toBe(backend === 'wasm');
    expect(simdCompileError()).toBeNull();
  });

  it('rowDots and weightedRows, 2N rows over N image blocks, widths on and off the SIMD grid', () => {
    for (const [nv, p, d] of [[3, 5, 32], [2, 7, 20], [1, 1, 16]] as const) {
      const v = r([nv, p, d], 1) as tf.Tensor3D;
      const q = r([2 * nv, d], 2) as tf.Tensor2D;
      const w = r([2 * nv, p], 3) as tf.Tensor2D;
      const before = tf.memory().numTensors;
      const dots = rowDots(q, v, 0.5);
      const sums = weightedRows(w, v);
      expect(tf.memory().numTensors).toBe(before + 2);
      const expectedDots = tf.tidy(() => tf.mul(tf.squeeze(tf.matMul(tf.expandDims(q, 1), blocks(v, 2 * nv), false, true), [1]), 0.5));
      const expectedSums = tf.tidy(() => tf.squeeze(tf.matMul(tf.expandDims(w, 1), blocks(v, 2 * nv)), [1]));
      expect(dots.shape).toEqual([2 * nv, p]);
      expect(sums.shape).toEqual([2 * nv, d]);
      expectClose(dots.dataSync(), expectedDots.dataSync(), 1e-5, 1e-5);
      expectClose(sums.dataSync(), expectedSums.dataSync(), 1e-5, 1e-5);
      tf.dispose([v, q, w, dots, sums, expectedDots, expectedSums]);
    }
  });

  it('a·b + bias: unpacked for few rows, XNNPACK for many; ragged rows, no bias', () => {
    for (const [m, k, n] of [[7, 40, 24], [4, 3, 8], [300, 16, 16], [9, 5, 6]] as const) {
      const a = r([m, k], 14) as tf.Tensor2D;
      const b = r([k, n], 15) as tf.Tensor2D;
      const bias = r([n], 16) as tf.Tensor1D;
      const expected = tf.add(tf.matMul(a, b), bias);
      const withBias = matMulBias(a, b, bias);
      const plain = matMulBias(a, b);
      expectClose(withBias.dataSync(), expected.dataSync(), 1e-5, 1e-5);
      expectClose(plain.dataSync(), tf.matMul(a, b).dataSync(), 1e-5, 1e-5);
      // The same product again gives the same bits (the kernel depends on shapes only).
      const again = matMulBias(a, b, bias);
      expect(Array.from(again.dataSync())).toEqual(Array.from(withBias.dataSync()));
      tf.dispose([a, b, bias, expected, withBias, plain, again]);
    }
  });

  it('gatherRows, and placeRows (distinct rows: the adjoint of gatherRows) against plain loops; nothing leaks', () => {
    const [rows, width] = [9, 5];
    const x = r([rows, width], 18) as tf.Tensor2D;
    const picked = [0, 2, 3, 7];
    const xs = x.arraySync();
    const before = tf.memory().numTensors;
    const g = gatherRows(x, picked);
    const placed = placeRows(g, picked, rows);
    const added = scatterAddRows(g, picked, rows);
    expect(tf.memory().numTensors).toBe(before + 3);
    expect(g.arraySync()).toEqual(picked.map((i) => xs[i]));
    // rows not picked are 0; picked rows hold their values again
    const expected = xs.map((row, i) => (picked.includes(i) ? row : row.map(() => 0)));
    expect(placed.arraySync()).toEqual(expected);
    expect(added.arraySync()).toEqual(expected);
    // adjoint: <gather(x), y> = <x, place(y)>
    const y = r([picked.length, width], 19) as tf.Tensor2D;
    const lhs = tf.tidy(() => tf.sum(tf.mul(gatherRows(x, picked), y)).dataSync()[0]!);
    const rhs = tf.tidy(() => tf.sum(tf.mul(x, placeRows(y, picked, rows))).dataSync()[0]!);
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-5 * Math.max(1, Math.abs(lhs)));
    tf.dispose([x, g, placed, added, y]);
  });

  it('column sums (SIMD widths and others) and zeroed padding rows (NaN included)', () => {
    for (const [m, n] of [[37, 48], [5, 7], [1, 16]] as const) {
      const x = r([m, n], 17) as tf.Tensor2D;
      expectClose(columnSums(x).dataSync(), tf.sum(x, 0).dataSync(), 1e-5, 1e-5);
      x.dispose();
    }
    const x = tf.tensor3d([[[1, 2], [Number.NaN, 4]], [[5, Infinity], [7, 8]]]);
    const keep = tf.tensor2d([[1, 0], [0, 1]]);
    expect(Array.from(zeroRows(x, keep).dataSync())).toEqual([1, 2, 0, 0, 0, 0, 7, 8]);
    tf.dispose([x, keep]);
  });

  it('transpose2d of small, square and long matrices', () => {
    for (const [m, n] of [[1, 1], [13, 7], [16, 768], [12, 48], [1104, 64], [40, 40], [1100, 70]] as const) {
      const x = r([m, n], 4) as tf.Tensor2D;
      const t = transpose2d(x);
      expect(t.shape).toEqual([n, m]);
      expect(Array.from(t.dataSync())).toEqual(Array.from(tf.transpose(x).dataSync()));
      tf.dispose([x, t]);
    }
  });

  it('a·bᵀ and aᵀ·b in either operand order equal tf.matMul with transposes', () => {
    for (const [m, k, n] of [[16, 96, 80], [200, 12, 8], [5, 3, 7]] as const) {
      const a = r([m, k], 5) as tf.Tensor2D;
      const b = r([n, k], 6) as tf.Tensor2D;
      const c = r([m, n], 7) as tf.Tensor2D;
      expectClose(timesTransposed(a, b).dataSync(), tf.matMul(a, b, false, true).dataSync(), 1e-5, 1e-5);
      expectClose(transposedTimes(a, c).dataSync(), tf.matMul(a, c, true, false).dataSync(), 1e-5, 1e-5);
      tf.dispose([a, b, c]);
    }
  });

  it('attendRows equals softmax attention by plain ops, value and gradient, and finite differences', () => {
    const [nv, p, d] = [2, 6, 32];
    const v = r([nv, p, d], 8) as tf.Tensor3D;
    const q = r([2 * nv, d], 9) as tf.Tensor2D;
    const w = r([2 * nv, d], 10) as tf.Tensor2D;
    const reference = (x: tf.Tensor) => {
      const vv = blocks(v, 2 * nv) as tf.Tensor3D;
      const a = tf.softmax(tf.mul(tf.squeeze(tf.matMul(tf.expandDims(x, 1) as tf.Tensor3D, vv, false, true), [1]), 0.3));
      return tf.squeeze(tf.matMul(tf.expandDims(a, 1) as tf.Tensor3D, vv), [1]);
    };
    expectClose(attendRows(q, v, 0.3).dataSync(), reference(q).dataSync(), 1e-5, 1e-6);
    const f = (x: tf.Tensor) => tf.sum(tf.mul(attendRows(x as tf.Tensor2D, v, 0.3), w));
    const ours = tf.grad(f)(q);
    const theirs = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(reference(x), w)))(q);
    expectClose(ours.dataSync(), theirs.dataSync(), 1e-4, 1e-5);
    // Central differences along a few coordinates.
    const g = ours.dataSync();
    for (const index of [0, 5, 40, 127]) {
      const delta = tf.tidy(() => tf.oneHot(tf.tensor1d([index], 'int32'), q.size).reshape(q.shape).mul(1e-2));
      const up = tf.tidy(() => f(tf.add(q, delta)).dataSync()[0]!);
      const down = tf.tidy(() => f(tf.sub(q, delta)).dataSync()[0]!);
      expect(Math.abs((up - down) / 2e-2 - g[index]!)).toBeLessThan(2e-3 + 2e-2 * Math.abs(g[index]!));
      delta.dispose();
    }
    tf.dispose([v, q, w, ours, theirs]);
  });

  it('q·Wᵀ with its gradient in q and W', () => {
    const q = r([4, 6], 11) as tf.Tensor2D;
    const kernel = tf.variable(r([9, 6], 12));
    const w = r([4, 9], 13);
    expectClose(timesKernelTransposed(q, kernel).dataSync(), tf.matMul(q, kernel, false, true).dataSync(), 1e-5, 1e-6);
    const ours = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(timesKernelTransposed(a as tf.Tensor2D, kernel), w)))(q);
    const theirs = tf.grads((a: tf.Tensor, k: tf.Tensor) => tf.sum(tf.mul(tf.matMul(a as tf.Tensor2D, k as tf.Tensor2D, false, true), w)))([q, kernel]);
    expectClose(ours.dataSync(), theirs[0]!.dataSync(), 1e-5, 1e-6);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(timesKernelTransposed(q, kernel), w)) as tf.Scalar, [kernel]);
    expectClose(grads[kernel.name]!.dataSync(), theirs[1]!.dataSync(), 1e-5, 1e-6);
    tf.dispose([q, kernel, w, ours, value, ...theirs, ...Object.values(grads)]);
  });

  it('the fused AdamW update leaks nothing and equals its tfjs-ops form', () => {
    const slots: AdamWSlot[] = [[7, 5], [3], [1030]].map((shape, i) => ({
      param: r(shape, 20 + i),
      gradient: r(shape, 30 + i),
      m: tf.mul(r(shape, 40 + i), 0.1),
      v: tf.abs(r(shape, 50 + i)),
      keep: i === 1 ? 1 : 0.997,
    }));
    const scalars = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, stepSize: 0.01 / (1 - 0.9 ** 3), correction2: 1 - 0.999 ** 3 };
    const before = tf.memory().numTensors;
    const fused = adamwUpdate(slots, scalars);
    expect(tf.memory().numTensors).toBe(before + 3 * slots.length);
    const expected = tf.tidy(() =>
      slots.flatMap(({ param, gradient, m, v, keep }) => {
        const m2 = tf.add(tf.mul(m, 0.9), tf.mul(gradient, 0.1));
        const v2 = tf.add(tf.mul(v, 0.999), tf.mul(tf.square(gradient), 0.001));
        const step = tf.div(tf.mul(m2, scalars.stepSize), tf.add(tf.sqrt(tf.div(v2, scalars.correction2)), 1e-8));
        return [tf.sub(tf.mul(param, keep), step), m2, v2];
      }),
    );
    fused.forEach((t, i) => expectClose(t.dataSync(), expected[i]!.dataSync(), 1e-5, 1e-7));
    tf.dispose([...fused, ...expected, ...slots.flatMap((s) => [s.param, s.gradient, s.m, s.v])]);
  });
});
