import * as tf from '@tensorflow/tfjs';
import { itcLoss, itmLoss, jointLoss, type LogitScale, type Rng, sampleItmPairs, weightedCrossEntropy } from '@mmaux/losses';

/** Your model: text/image projections to a shared space, a class head and a 2-way match head. */
export interface PairModel {
  textProjection: tf.layers.Layer;
  imageProjection: tf.layers.Layer;
  classHead: tf.layers.Layer;
  matchHead: tf.layers.Layer;
  logitScale: LogitScale; // learnable temperature: new LogitScale() starts at ln(1/0.07)
}

/** One optimizer step of (1 − βitc − βitm)·CE + βitc·ITC + βitm·ITM, the paper's objective. */
export function trainStep(
  model: PairModel,
  optimizer: tf.Optimizer,
  batch: { text: tf.Tensor2D; image: tf.Tensor2D; labels: number[] },
  options: { classWeights: number[]; betaItc: number; betaItm: number; rng: Rng },
): Record<'ce' | 'itc' | 'itm' | 'total', number> {
  // Half the posts keep their text (label 1); the others get another post's text (label 0).
  const { partner, labels: matched } = sampleItmPairs(batch.labels.length, { rng: options.rng });
  let parts = { ce: 0, itc: 0, itm: 0, total: 0 };
  optimizer.minimize(() => {
    const t = model.textProjection.apply(batch.text) as tf.Tensor2D;
    const v = model.imageProjection.apply(batch.image) as tf.Tensor2D;
    // Row i takes text partner[i]; a one-hot matmul (tf.gather's gradient has no wasm kernel).
    const swappedText = tf.matMul(tf.oneHot(tf.tensor1d(partner, 'int32'), partner.length).toFloat(), t);
    const ce = weightedCrossEntropy(model.classHead.apply(tf.concat([t, v], 1)) as tf.Tensor2D, batch.labels, options.classWeights);
    const itc = itcLoss(t, v, { logitScale: model.logitScale });
    const pair = tf.concat([swappedText, v, tf.mul(swappedText, v)], 1); // the product lets a linear head see agreement
    const itm = itmLoss(model.matchHead.apply(pair) as tf.Tensor2D, matched);
    const total = jointLoss({ ce, itc, itm }, { betaItc: options.betaItc, betaItm: options.betaItm });
    const read = (x: tf.Scalar) => x.dataSync()[0]!;
    parts = { ce: read(ce), itc: read(itc), itm: read(itm), total: read(total) };
    return total;
  });
  return parts;
}
