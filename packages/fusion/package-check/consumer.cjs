// CJS consumer: require() resolves the package's CommonJS build.
const tf = require('@tensorflow/tfjs');
const { createFusionModel, FUSION_KINDS, MmauxFusionError } = require('@mmaux/fusion');

tf.setBackend('cpu').then(() => {
  const text = { tokens: tf.ones([2, 3, 4]), mask: tf.tensor2d([[1, 1, 0], [1, 0, 0]]), pooled: tf.ones([2, 4]) };
  const image = { patches: tf.ones([2, 2, 4]), pooled: tf.ones([2, 4]) };
  for (const kind of FUSION_KINDS) {
    const model = createFusionModel(kind, { textDim: 4, imageDim: 4, numClasses: 2, hiddenDim: 8, heads: 2, layers: 1, seed: 3 });
    const out = model.forward({ text, image });
    if (out.classLogits.shape.join() !== '2,2') throw new Error(`CJS: ${kind} gave class logits of shape ${out.classLogits.shape}`);
    model.dispose();
  }
  try {
    createFusionModel('concat', { textDim: 4, imageDim: 4, numClasses: 1, seed: 1 });
    throw new Error('CJS: numClasses 1 did not throw');
  } catch (e) {
    if (!(e instanceof MmauxFusionError) || e.code !== 'INVALID_OPTION') throw e;
  }
  console.log(`CJS require: forward ran for ${FUSION_KINDS.length} kinds`);
});
