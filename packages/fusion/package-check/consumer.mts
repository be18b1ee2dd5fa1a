// Type-checked against the ESM declaration file (dist/index.d.ts).
import * as tf from '@tensorflow/tfjs';
import {
  AdamW,
  createFusionModel,
  createTrainStep,
  type FusionKind,
  type FusionOutput,
  linearWarmupDecay,
  selectBackend,
  type BackendSelection,
  type TrainStepResult,
} from '@mmaux/fusion';

const kind: FusionKind = 'dual-stream';
const model = createFusionModel(kind, { textDim: 8, imageDim: 8, numClasses: 2, seed: 1 });
const out: FusionOutput = model.forward({ text: { tokens: tf.ones([1, 2, 8]), mask: tf.ones([1, 2]), pooled: tf.ones([1, 8]) } });
const logits: tf.Tensor2D = out.classLogits;
const embedding: tf.Tensor2D | null = out.textEmbedding;
const optimizer = new AdamW({ learningRate: linearWarmupDecay({ learningRate: 1e-4, warmupSteps: 10, totalSteps: 100 }) });
const step: Promise<TrainStepResult> = createTrainStep(model, { optimizer, itm: { strategy: 'hard' } }).step({ labels: [0] });
const chosen: Promise<BackendSelection> = selectBackend('auto');
// @ts-expect-error 'late' is not a fusion kind
createFusionModel('late', { textDim: 1, imageDim: 1, numClasses: 2, seed: 1 });
// @ts-expect-error strategy is 'random' | 'hard'
createTrainStep(model, { optimizer, itm: { strategy: 'nearest' } });
export { logits, embedding, step, chosen };
