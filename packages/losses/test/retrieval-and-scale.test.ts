import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import {
  contrastiveLogits,
  contrastiveRetrieval,
  DEFAULT_LOGIT_SCALE,
  itcLoss,
  jointLoss,
  LogitScale,
  MAX_LOGIT_SCALE,
} from '../src/index.js';

describe('contrastiveRetrieval', () => {
  it('computes top-1, recall@k and mean rank in both directions', () => {
    // Text i's correct image is i. Ranks t→i: rows 1, 3, 2. Ranks i→t: columns 1, 3, 2.
    const logits = tf.tensor2d([
      [9, 1, 2],
      [5, 0, 4],
      [0, 6, 3],
    ]);
    const r = contrastiveRetrieval(logits, { k: [1, 2, 5] });
    expect(r.n).toBe(3);
    expect(r.textToImage.top1).toBeCloseTo(1 / 3, 12);
    expect(r.textToImage.recallAtK).toEqual({ 1: 1 / 3, 2: 2 / 3, 5: 1 });
    expect(r.textToImage.meanRank).toBeCloseTo(2, 12);
    expect(r.imageToText.recallAtK).toEqual({ 1: 1 / 3, 2: 2 / 3, 5: 1 });
    expect(r.imageToText.meanRank).toBeCloseTo(2, 12);
    const swapped = contrastiveRetrieval(tf.tensor2d([[9, 5, 0], [1, 0, 6], [2, 4, 3]]), { k: [1] });
    expect(swapped.textToImage.top1).toBeCloseTo(1 / 3, 12);
    expect(swapped.imageToText.top1).toBeCloseTo(1 / 3, 12);
  });

  it('counts ties against the query, so identical embeddings do not look perfect', () => {
    const same = tf.tensor2d([[1, 2], [1, 2], [1, 2]]);
    const r = contrastiveRetrieval(contrastiveLogits(same, same, 0));
    expect(r.textToImage.top1).toBe(0);
    expect(r.textToImage.meanRank).toBe(3);
  });

  it('treats posts of the same group as correct answers', () => {
    const logits = tf.tensor2d([
      [1, 5, 0],
      [5, 1, 0],
      [0, 0, 2],
    ]);
    expect(contrastiveRetrieval(logits).textToImage.top1).toBeCloseTo(1 / 3, 12);
    expect(contrastiveRetrieval(logits, { groupIds: ['a', 'a', 'b'] }).textToImage.top1).toBe(1);
  });
});

describe('LogitScale', () => {
  it('starts at ln(1/0.07) and clamps to [0, ln 100] in the forward pass only', () => {
    const s = new LogitScale();
    expect(s.read()).toBeCloseTo(DEFAULT_LOGIT_SCALE, 6);
    s.variable.assign(tf.scalar(9));
    expect(s.value().dataSync()[0]).toBeCloseTo(MAX_LOGIT_SCALE, 5);
    expect(s.variable.dataSync()[0]).toBe(9);
    s.variable.assign(tf.scalar(-3));
    expect(s.read()).toBe(0);
    s.clampInPlace();
    expect(s.variable.dataSync()[0]).toBe(0);
    s.dispose();
  });

  it('passes the gradient inside the range and blocks it outside', () => {
    for (const [initial, expected] of [[1, 1], [MAX_LOGIT_SCALE, 1], [6, 0], [-1, 0]] as const) {
      const s = new LogitScale({ initial });
      // jointLoss({ ce }) is the identity with its own gradient (tfjs-core registers none).
      const { grads } = tf.variableGrads(() => jointLoss({ ce: s.value() }), [s.variable]);
      expect(grads[s.variable.name]!.dataSync()[0]).toBe(expected);
      s.dispose();
    }
  });

  it('is trained by a tfjs optimizer and stops at the clamp', () => {
    // Well-separated pairs: a sharper temperature always lowers ITC, so s climbs to ln 100.
    const text = tf.tensor2d([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    const image = tf.tensor2d([[1, 0.9, 0.9], [0.9, 1, 0.9], [0.9, 0.9, 1]]);
    const s = new LogitScale({ initial: 3 });
    const optimizer = tf.train.sgd(5);
    const trace: number[] = [];
    for (let i = 0; i < 40; i++) {
      optimizer.minimize(() => itcLoss(text, image, { logitScale: s }), false, [s.variable]);
      trace.push(s.variable.dataSync()[0]!);
    }
    expect(trace[1]!).toBeGreaterThan(3);
    expect(s.read()).toBeCloseTo(MAX_LOGIT_SCALE, 6);
    // Once past the clamp the gradient is 0: the variable stops moving.
    expect(trace.at(-1)).toBe(trace.at(-2));
    s.dispose();
  });
});
