// Type-checked against the CommonJS declaration file (dist/index.d.cts).
import tf = require('@tensorflow/tfjs');
import fusion = require('@mmaux/fusion');

const model: fusion.FusionModel = fusion.createFusionModel('gmu', { textDim: 4, imageDim: 4, numClasses: 2, seed: 1 });
const weights: tf.Variable[] = model.trainableWeights;
const saved: Promise<void> = model.save('/tmp/never-written-by-the-type-check');
// @ts-expect-error seed is required
fusion.createFusionModel('gmu', { textDim: 4, imageDim: 4, numClasses: 2 });
export = { weights, saved };
