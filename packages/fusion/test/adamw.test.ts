import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '@mmaux/losses';
import { AdamW, constantSchedule, linearWarmupDecay, MmauxFusionError } from '../src/index.js';
import { BACKENDS, expectClose, useBackend } from './helpers.js';

describe.each(BACKENDS)('AdamW on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it('matches a hand-computed two-step update (PyTorch AdamW)', () => {
    // θ₀ = [1, −2, 0.5], lr = 0.1, λ = 0.1, β = (0.9, 0.999), ε = 1e-8.
    // Step 1, g = [0.1, −0.2, 0.3]: decay θ·(1 − 0.01) = [0.99, −1.98, 0.495]; m = 0.1g,
    //   v = 0.001g², m̂ = g, v̂ = g², so the Adam step is lr·sign(g) = [0.1, −0.1, 0.1]
    //   → θ₁ = [0.89, −1.88, 0.395].
    // Step 2, g = [−0.4, 0.5, 0], first entry: decay 0.89·0.99 = 0.8811;
    //   m = 0.9·0.01 + 0.1·(−0.4) = −0.031, v = 0.999·1e-5 + 0.001·0.16 = 1.6999e-4;
    //   m̂ = −0.031/0.19 = −0.1631579, v̂ = 1.6999e-4/0.001999 = 0.0850375, √v̂ = 0.2916119;
    //   θ = 0.8811 + 0.1·0.1631579/0.2916119 = 0.9370504. The others likewise.
    const w = tf.variable(tf.tensor1d([1, -2, 0.5]));
    const opt = new AdamW({ learningRate: 0.1, weightDecay: 0.1 });
    opt.applyGradients({ [w.name]: tf.tensor1d([0.1, -0.2, 0.3]) });
    expectClose(w.dataSync(), [0.89, -1.88, 0.395], 1e-6);
    opt.applyGradients([{ name: w.name, tensor: tf.tensor1d([-0.4, 0.5, 0]) }]);
    expectClose(w.dataSync(), [0.9370504, -1.9054215, 0.3240442], 2e-6);
    expect(opt.iterations).toBe(2);
    opt.dispose();
    w.dispose();
  });

  it('one fused update of many variables equals the formula entry by entry (vector lanes and tail)', () => {
    // Sizes that exercise the 4-lane loop and the scalar tail of the fused kernel.
    const shapes = [[37, 29], [5], [1027], []];
    const rng = createRng(3);
    const values = shapes.map((s) => Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => 4 * rng() - 2));
    const vars = shapes.map((s, i) => tf.variable(tf.tensor(values[i]!, s)));
    const grads = (step: number) => vars.map((v, i) => Float32Array.from({ length: v.size }, (_, k) => Math.sin(step + 7 * i + k)));
    const opt = new AdamW({ learningRate: 0.01, weightDecay: 0.3, decayExclude: (name) => name === vars[1]!.name });
    const expected = values.map((x) => Array.from(x, Number));
    const m = expected.map((x) => x.map(() => 0));
    const v = expected.map((x) => x.map(() => 0));
    for (let t = 1; t <= 3; t++) {
      const g = grads(t);
      opt.applyGradients(Object.fromEntries(vars.map((w, i) => [w.name, tf.tensor(g[i]!, w.shape)])));
      expected.forEach((theta, i) => {
        const keep = i === 1 ? 1 : 1 - 0.01 * 0.3;
        theta.forEach((x, k) => {
          const gk = g[i]![k]!;
          m[i]![k] = 0.9 * m[i]![k]! + 0.1 * gk;
          v[i]![k] = 0.999 * v[i]![k]! + 0.001 * gk * gk;
          theta[k] = x * keep - (0.01 * (m[i]![k]! / (1 - 0.9 ** t))) / (Math.sqrt(v[i]![k]! / (1 - 0.999 ** t)) + 1e-8);
        });
      });
    }
    vars.forEach((w, i) => expectClose(w.dataSync(), expected[i]!, 1e-5, 1e-6));
    tf.dispose(vars);
    opt.dispose();
  });

  it('decay is decoupled: a zero gradient still shrinks θ by (1 − lr·λ); no gradient leaves θ alone', () => {
    const a = tf.variable(tf.tensor1d([2, -4]));
    const b = tf.variable(tf.tensor1d([3]));
    const opt = new AdamW({ learningRate: 0.5, weightDecay: 0.2 });
    opt.applyGradients({ [a.name]: tf.zeros([2]), [b.name]: null as unknown as tf.Tensor });
    expectClose(a.dataSync(), [2 * 0.9, -4 * 0.9]);
    expect(Array.from(b.dataSync())).toEqual([3]);
    tf.dispose([a, b]);
    opt.dispose();
  });

  it('decayExclude spares the variables it names; a schedule sets the rate per step', () => {
    const kept = tf.variable(tf.tensor1d([1]));
    const decayed = tf.variable(tf.tensor1d([1]));
    const rates: number[] = [];
    const opt = new AdamW({
      learningRate: (step) => {
        rates.push(step);
        return step === 0 ? 0 : 0.1;
      },
      weightDecay: 1,
      decayExclude: (name) => name === kept.name,
    });
    expect(opt.currentLearningRate()).toBe(0);
    opt.applyGradients({ [kept.name]: tf.zeros([1]), [decayed.name]: tf.zeros([1]) });
    expect([kept.dataSync()[0], decayed.dataSync()[0]]).toEqual([1, 1]); // lr 0 at step 0
    opt.applyGradients({ [kept.name]: tf.zeros([1]), [decayed.name]: tf.zeros([1]) });
    expect(kept.dataSync()[0]).toBe(1);
    expect(decayed.dataSync()[0]).toBeCloseTo(0.9, 6);
    expect(rates).toContain(1);
    tf.dispose([kept, decayed]);
    opt.dispose();
  });

  it('works with minimize(), keeps no tensors per step, and round-trips its state', async () => {
    const w = tf.variable(tf.tensor1d([3, -1]));
    const opt = new AdamW({ learningRate: 0.05 });
    const loss = () => tf.sum(tf.square(w)) as tf.Scalar;
    opt.minimize(loss);
    const before = tf.memory().numTensors;
    for (let k = 0; k < 5; k++) opt.minimize(loss);
    expect(tf.memory().numTensors).toBe(before);
    const state = await opt.getWeights();
    expect(state.map((s) => s.name)).toEqual(['iter', `${w.name}/m`, `${w.name}/v`]);
    const copy = new AdamW({ learningRate: 0.05 });
    await copy.setWeights(state.map((s) => ({ name: s.name, tensor: s.tensor.clone() })));
    expect(copy.iterations).toBe(6);
    // The same gradient from the same θ gives the same update through either optimizer.
    const start = w.clone();
    const g = tf.tensor1d([0.3, -0.7]);
    opt.applyGradients({ [w.name]: g });
    const viaOriginal = Array.from(w.dataSync());
    w.assign(start);
    copy.applyGradients({ [w.name]: g });
    expect(Array.from(w.dataSync())).toEqual(viaOriginal);
    tf.dispose([w, start, g]);
    opt.dispose();
    copy.dispose();
  });

  it('rejects bad options with INVALID_OPTION', () => {
    for (const bad of [{ learningRate: -1 }, { learningRate: 0.1, beta1: 1 }, { learningRate: 0.1, weightDecay: Number.NaN }]) {
      expect(() => new AdamW(bad as never)).toThrow(MmauxFusionError);
    }
    const opt = new AdamW({ learningRate: () => Number.NaN });
    const w = tf.variable(tf.scalar(1));
    expect(() => opt.applyGradients({ [w.name]: tf.scalar(1) })).toThrow(/schedule returned NaN at step 0/);
    w.dispose();
  });
});

describe('learning-rate schedules', () => {
  it('constant', () => {
    const lr = constantSchedule(2.5e-4);
    expect([0, 1, 1e6].map(lr)).toEqual([2.5e-4, 2.5e-4, 2.5e-4]);
    expect(() => constantSchedule(-1)).toThrow(MmauxFusionError);
  });

  it('linear warm-up then linear decay to 0, as Hugging Face', () => {
    const lr = linearWarmupDecay({ learningRate: 1, warmupSteps: 4, totalSteps: 12 });
    expect([0, 1, 2, 3, 4, 8, 11, 12, 20].map(lr)).toEqual([0, 0.25, 0.5, 0.75, 1, 0.5, 0.125, 0, 0]);
    const noWarmup = linearWarmupDecay({ learningRate: 1, totalSteps: 4 });
    expect([0, 2, 4].map(noWarmup)).toEqual([1, 0.5, 0]);
    expect(() => linearWarmupDecay({ learningRate: 1, warmupSteps: 5, totalSteps: 4 })).toThrow(/warmupSteps \(5\)/);
  });
});
