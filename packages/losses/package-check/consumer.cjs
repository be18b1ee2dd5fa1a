// CJS consumer: require() resolves the package's CommonJS build.
const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu');
const { itcLoss, MmauxLossError } = require('@mmaux/losses');

const text = tf.tensor2d([[1, 0], [0, 1]]);
const image = tf.tensor2d([[0.9, 0.1], [0.2, 0.8]]);
const loss = itcLoss(text, image, { logitScale: 0 }).dataSync()[0];
if (Math.abs(loss - 0.3699) > 1e-3) throw new Error(`CJS: itcLoss = ${loss}, expected ≈ 0.3699`);
try {
  itcLoss(text, tf.tensor2d([[1, 2, 3]]));
  throw new Error('CJS: a shape mismatch did not throw');
} catch (e) {
  if (!(e instanceof MmauxLossError) || e.code !== 'INVALID_SHAPE') throw e;
}
console.log(`CJS require: itcLoss = ${loss.toFixed(4)}`);
