// Type-checked against the CommonJS declaration file (dist/index.d.cts).
import tf = require('@tensorflow/tfjs-core');
import losses = require('@mmaux/losses');

const weights: number[] = losses.balancedClassWeights([0, 1, 1], 2);
const total: tf.Scalar = losses.jointLoss({ ce: tf.scalar(1) }, { scheme: 'convex' });
// @ts-expect-error normalize is 'batch' | 'weights'
losses.weightedCrossEntropy(tf.tensor2d([[1, 2]]), [0], weights, { normalize: 'mean' });
export = { weights, total };
