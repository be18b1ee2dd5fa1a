// ESM consumer: @tensorflow/tfjs (gradients, cpu backend) and nothing optional — no wasm, no
// tfjs-node — so selectBackend('auto') must explain its way down to cpu without crashing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { AdamW, createFusionModel, createTrainStep, loadFusionModel, MmauxFusionError, selectBackend } from '@mmaux/fusion';

const chosen = await selectBackend('auto');
if (chosen.backend !== 'cpu') throw new Error(`ESM: expected cpu without optional packages, got ${chosen.backend}`);
if (chosen.tried.length !== 4 || !/not installed/.test(chosen.tried[2].reason)) throw new Error(`ESM: unexpected reasons ${JSON.stringify(chosen.tried)}`);

const model = createFusionModel('attention', { textDim: 8, imageDim: 6, numClasses: 3, hiddenDim: 16, projectionDim: 8, seed: 1 });
const text = { tokens: tf.randomNormal([4, 5, 8], 0, 1, 'float32', 1), mask: tf.tensor2d([[1, 1, 0, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0], [1, 1, 1, 0, 0]]), pooled: tf.randomNormal([4, 8], 0, 1, 'float32', 2) };
const image = { patches: tf.randomNormal([4, 3, 6], 0, 1, 'float32', 3), pooled: tf.randomNormal([4, 6], 0, 1, 'float32', 4) };
const trainer = createTrainStep(model, { optimizer: new AdamW({ learningRate: 1e-2 }) });
let result;
for (let i = 0; i < 5; i++) result = await trainer.step({ text, image, labels: [0, 1, 2, 1] });
if (!Number.isFinite(result.loss) || result.itc === null || result.itm === null) throw new Error(`ESM: bad step ${JSON.stringify(result)}`);

const dir = mkdtempSync(join(tmpdir(), 'fusion-consumer-'));
try {
  await model.save(dir);
  const loaded = await loadFusionModel(dir);
  const a = model.forward({ text, image }).classLogits.dataSync();
  const b = loaded.forward({ text, image }).classLogits.dataSync();
  if (a.some((v, i) => v !== b[i])) throw new Error('ESM: save → load changed the outputs');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
try {
  createFusionModel('lxmert', { textDim: 8, imageDim: 6, numClasses: 3, seed: 1 });
  throw new Error('ESM: an unknown kind did not throw');
} catch (e) {
  if (!(e instanceof MmauxFusionError) || e.code !== 'INVALID_KIND') throw e;
}
console.log(`ESM import: ${chosen.reason}; attention model trained 5 steps, loss ${result.loss.toFixed(4)}, saved and reloaded`);
