import * as tf from '@tensorflow/tfjs';
import {
  balancedClassWeights,
  contrastiveLogits,
  contrastiveRetrieval,
  createRng,
  LogitScale,
} from '@mmaux/losses';
import { type PairModel, trainStep } from './readme-snippet.js';
import { syntheticPairs } from './synthetic-pairs.js';

export interface DemoOptions {
  epochs?: number;
  batchSize?: number;
  seed?: number;
  posts?: number;
  log?: (line: string) => void;
}

export interface DemoResult {
  setting: string;
  firstLoss: number;
  lastLoss: number;
  accuracy: number;
  retrievalTop1: number;
}

function createModel(numClasses: number, seed: number): PairModel {
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed * 10 + k });
  return {
    textProjection: tf.layers.dense({ units: 16, useBias: false, kernelInitializer: init(1) }),
    imageProjection: tf.layers.dense({ units: 16, useBias: false, kernelInitializer: init(2) }),
    classHead: tf.layers.dense({ units: numClasses, kernelInitializer: init(3) }),
    matchHead: tf.layers.dense({ units: 2, kernelInitializer: init(4) }),
    logitScale: new LogitScale(),
  };
}

/**
 * Trains the same small model as base (CE only) and +C+M (CE + 0.1·ITC + 0.1·ITM) on synthetic
 * paired features and reports held-out accuracy and text→image retrieval. Deterministic for a seed.
 */
export function runDemo(options: DemoOptions = {}): DemoResult[] {
  const { epochs = 12, batchSize = 16, seed = 1, posts = 480, log = console.log } = options;
  const data = syntheticPairs(posts, seed);
  const split = Math.floor(posts * 0.75);
  const trainLabels = data.labels.slice(0, split);
  const classWeights = balancedClassWeights(trainLabels, data.numClasses);
  const testText = tf.tensor2d(data.text.slice(split));
  const testImage = tf.tensor2d(data.image.slice(split));
  const testLabels = data.labels.slice(split);
  const results: DemoResult[] = [];

  for (const [setting, betaItc, betaItm] of [['base', 0, 0], ['+C+M', 0.1, 0.1]] as const) {
    const model = createModel(data.numClasses, seed);
    const optimizer = tf.train.adam(0.01);
    const rng = createRng(seed);
    let firstLoss = NaN;
    let lastLoss = NaN;
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const order = Array.from({ length: split }, (_, i) => i).sort(() => rng() - 0.5);
      const sums = { ce: 0, itc: 0, itm: 0, total: 0 };
      let batches = 0;
      for (let b = 0; b < split; b += batchSize) {
        const idx = order.slice(b, b + batchSize);
        const parts = tf.tidy(() =>
          trainStep(
            model,
            optimizer,
            {
              text: tf.tensor2d(idx.map((i) => data.text[i]!)),
              image: tf.tensor2d(idx.map((i) => data.image[i]!)),
              labels: idx.map((i) => data.labels[i]!),
            },
            { classWeights, betaItc, betaItm, rng },
          ),
        );
        for (const k of Object.keys(sums) as Array<keyof typeof sums>) sums[k] += parts[k];
        batches++;
      }
      const mean = (k: keyof typeof sums) => (sums[k] / batches).toFixed(4);
      if (epoch === 1) firstLoss = sums.ce / batches;
      lastLoss = sums.ce / batches;
      log(`${setting.padEnd(5)} epoch ${String(epoch).padStart(2)}  ce ${mean('ce')}  itc ${mean('itc')}  itm ${mean('itm')}  total ${mean('total')}  temperature 1/${Math.exp(model.logitScale.read()).toFixed(1)}`);
    }
    const { accuracy, retrievalTop1 } = tf.tidy(() => {
      const t = model.textProjection.apply(testText) as tf.Tensor2D;
      const v = model.imageProjection.apply(testImage) as tf.Tensor2D;
      const predicted = (model.classHead.apply(tf.concat([t, v], 1)) as tf.Tensor2D).argMax(1).arraySync() as number[];
      const correct = predicted.filter((p, i) => p === testLabels[i]).length;
      const retrieval = contrastiveRetrieval(contrastiveLogits(t, v, model.logitScale));
      return { accuracy: correct / testLabels.length, retrievalTop1: retrieval.textToImage.top1 };
    });
    results.push({ setting, firstLoss, lastLoss, accuracy, retrievalTop1 });
    model.logitScale.dispose();
  }
  tf.dispose([testText, testImage]);
  log('\nheld-out posts: ' + testLabels.length);
  log('setting | class accuracy | text→image top-1 (among all held-out images)');
  for (const r of results) log(`${r.setting.padEnd(7)} | ${(100 * r.accuracy).toFixed(1).padStart(14)}% | ${(100 * r.retrievalTop1).toFixed(1).padStart(6)}%`);
  return results;
}
