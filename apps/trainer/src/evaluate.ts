// A model on a split: class probabilities per post (eval mode, batched), the mean cross-entropy,
// and the scores reports show.
import type { Post } from '@mmaux/datasets';
import type { FusionModel } from '@mmaux/fusion';
import { classificationReport } from '@mmaux/metrics';
import * as tf from '@tensorflow/tfjs';
import { csvField } from './files.js';
import { disposeInput, type EncodablePost, type FeatureSource } from './features.js';
import type { SplitReport, SplitScores } from './run-files.js';

/** What a model predicts for some posts. */
export interface Predictions {
  /** `[n, K]` softmax probabilities, row-major. */
  probabilities: Float32Array;
  /** Argmax per post. */
  predicted: Int32Array;
  /** Mean (unweighted) cross-entropy against the posts' labels; NaN for unlabelled posts. */
  loss: number;
}

/** Runs `model` in eval mode over `posts`, `batchSize` at a time, reading only what the model reads (`model.reads`). */
export async function predictPosts(
  model: FusionModel,
  features: Pick<FeatureSource, 'batch'>,
  posts: readonly (EncodablePost & { label?: number })[],
  batchSize: number,
): Promise<Predictions> {
  const labelled = posts.every((p) => p.label !== undefined);
  const k = model.config.numClasses;
  const probabilities = new Float32Array(posts.length * k);
  let lossSum = 0;
  for (let start = 0; start < posts.length; start += batchSize) {
    const batch = posts.slice(start, start + batchSize);
    const input = await features.batch(batch, model.reads);
    try {
      const [probs, nll] = tf.tidy(() => {
        const logits = model.forward(input, { training: false }).classLogits;
        const logProbs = tf.logSoftmax(logits);
        const labels = tf.oneHot(tf.tensor1d(batch.map((p) => p.label ?? 0), 'int32'), k);
        return [tf.exp(logProbs), tf.neg(tf.sum(tf.mul(logProbs, labels)))];
      });
      probabilities.set(await probs!.data(), start * k);
      lossSum += (await nll!.data())[0]!;
      tf.dispose([probs!, nll!]);
    } finally {
      disposeInput(input);
    }
  }
  const predicted = new Int32Array(posts.length);
  for (let i = 0; i < posts.length; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (probabilities[i * k + c]! > probabilities[i * k + best]!) best = c;
    predicted[i] = best;
  }
  return { probabilities, predicted, loss: labelled && posts.length > 0 ? lossSum / posts.length : Number.NaN };
}

/** The scores of predictions on labelled posts. */
export function splitReport(posts: readonly Post[], predicted: Int32Array, numClasses: number): SplitReport {
  const r = classificationReport(
    posts.map((p) => p.label),
    predicted,
    { numClasses },
  );
  return {
    accuracy: r.accuracy,
    f1Macro: r.f1.macro,
    f1Weighted: r.f1.weighted,
    precisionMacro: r.precision.macro,
    recallMacro: r.recall.macro,
    perClass: r.perClass.map((c) => ({ precision: c.precision, recall: c.recall, f1: c.f1, support: c.support })),
    confusion: r.confusion,
  };
}

/** The per-epoch summary of a split. */
export function splitScores(report: SplitReport, loss: number): SplitScores {
  return { loss, accuracy: report.accuracy, f1Macro: report.f1Macro, f1Weighted: report.f1Weighted };
}

/** `id,label,prediction,p_<class>…` lines (`id,prediction,p_<class>…` when `labels` is null). */
export function predictionsCsv(posts: readonly Pick<Post, 'id'>[], labels: readonly string[] | null, p: Predictions, classes: readonly string[]): string {
  const k = classes.length;
  const lines = [['id', ...(labels ? ['label'] : []), 'prediction', ...classes.map((c) => `p_${c}`)].map(csvField).join(',')];
  posts.forEach((post, i) => {
    const probs = Array.from(p.probabilities.subarray(i * k, (i + 1) * k), (x) => x.toFixed(6));
    lines.push([post.id, ...(labels ? [labels[i]!] : []), classes[p.predicted[i]!]!, ...probs].map(csvField).join(','));
  });
  return `${lines.join('\n')}\n`;
}
