import * as tf from '@tensorflow/tfjs';
import { createRng } from '@mmaux/losses';
import { AdamW, createFusionModel, createTrainStep, selectBackend, type TrainBatch } from './src/index.js';
const threads = Number(process.argv[2]);
const kind = (process.argv[3] ?? 'gmu') as 'gmu';
await selectBackend('wasm', { threads });
const n = 16, D = 768;
const model = createFusionModel(kind, { textDim: D, imageDim: D, numClasses: 3, seed: 1 });
const trainer = createTrainStep(model, { optimizer: new AdamW({ learningRate: 1e-5, weightDecay: 2.5e-4 }), rng: createRng(2) });
const batch: TrainBatch = {
  text: { tokens: tf.randomNormal([n, 1, D], 0, 1, 'float32', 1) as tf.Tensor3D, mask: tf.ones([n, 1]) as tf.Tensor2D, pooled: tf.randomNormal([n, D], 0, 1, 'float32', 2) as tf.Tensor2D },
  image: { patches: tf.randomNormal([n, 1, D], 0, 1, 'float32', 3) as tf.Tensor3D, pooled: tf.randomNormal([n, D], 0, 1, 'float32', 4) as tf.Tensor2D },
  labels: Array.from({ length: n }, (_, i) => i % 3),
};
for (let i = 0; i < 5; i++) await trainer.step(batch);
const by: Record<string, number> = {};
let total = 0;
const steps = 10;
for (let s = 0; s < steps; s++) {
  const t0 = performance.now();
  const p = await tf.profile(async () => { await trainer.step(batch); });
  total += performance.now() - t0;
  for (const k of p.kernels) by[k.name] = (by[k.name] ?? 0) + (k.kernelTimeMs as number);
}
const top = Object.entries(by).sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, v]) => `${k} ${(v / steps).toFixed(2)}`);
console.log(threads, kind, 'step ms (profiled)', (total / steps).toFixed(1), '| kernel ms/step:', top.join(', '));
