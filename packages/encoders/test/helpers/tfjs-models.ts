// Tiny TensorFlow.js models written to disk by the tests, each with its weights known so the
// features can be recomputed independently with tf ops:
//
// - layersImageModel: functional conv(4, relu) → conv(6, relu) "conv2" → GlobalAveragePooling2D
//   "gap" → Dense(5) "logits" → Softmax "probs" (a classifier whose logits must not be used);
// - graphImageModel: GraphDef Placeholder x [-1, 6, 6, 3] → Conv2D + BiasAdd + Relu "features"
//   [b, 6, 6, 4] → Mean over [1, 2] "pool" → MatMul + BiasAdd "logits" → Softmax "probs";
// - graphStringTextModel: strings [-1] → StringSplit → StringToHashBucketFast (16 buckets) →
//   SparseSegmentMean over an embedding [16, 5] "embedding" → MatMul "logits";
// - graphIdsTextModel: input_ids + attention_mask int32 [-1, 8] → Gather(E) → Tanh → × mask
//   "tokens" [b, 8, 4] → Mean over 1 "pooled" → MatMul "logits";
// - graphSparseTextModel: USE-style indices [-1, 2] + values [-1] → SparseSegmentMean(E,
//   values, indices[:, 0]) "embedding" [b, 6];
// - layersTextModel: Embedding(12, 4, inputLength 6) → Dense(4, tanh) "proj" →
//   GlobalAveragePooling1D "gap" → Dense(3) "logits".
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { GraphDefBuilder } from './tfjs-graph-def.js';
import { type ModelFiles, saveLayersModel, seededFloats, writeModelFiles } from './tfjs-model-files.js';

/** Sets every weight of a layers model to seeded values (so two builds are identical). */
function seedWeights(model: tfl.LayersModel, seed: number): void {
  const weights = model.getWeights().map((w, i) => tf.tensor(seededFloats(w.size, seed + i), w.shape));
  model.setWeights(weights);
  tf.dispose(weights);
}

/** The layers image classifier; `size` × `size` RGB input. */
export function layersImageModel(seed = 1, size = 8): tfl.LayersModel {
  const input = tfl.input({ shape: [size, size, 3], name: 'image' });
  const c1 = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv1' }).apply(input) as tfl.SymbolicTensor;
  const c2 = tfl.layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: 'conv2' }).apply(c1) as tfl.SymbolicTensor;
  const gap = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(c2) as tfl.SymbolicTensor;
  const logits = tfl.layers.dense({ units: 5, name: 'logits' }).apply(gap) as tfl.SymbolicTensor;
  const probs = tfl.layers.softmax({ name: 'probs' }).apply(logits) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: probs });
  seedWeights(model, seed);
  return model;
}

/** Saves {@link layersImageModel} into `dir`; returns the model (caller disposes) and model.json's path. */
export async function writeLayersImageModel(dir: string, seed = 1, size = 8): Promise<{ model: tfl.LayersModel; path: string }> {
  const model = layersImageModel(seed, size);
  return { model, path: await saveLayersModel(model, dir) };
}

/** Weights of {@link graphImageFiles}. */
export interface GraphImageWeights {
  w: Float32Array; // [3, 3, 3, 4]
  b: Float32Array; // [4]
  fc: Float32Array; // [4, 5]
  fb: Float32Array; // [5]
}

export function graphImageWeights(seed = 3): GraphImageWeights {
  return { w: seededFloats(108, seed), b: seededFloats(4, seed + 1), fc: seededFloats(20, seed + 2), fb: seededFloats(5, seed + 3) };
}

/** The graph image classifier (6 × 6 input). */
export function graphImageFiles(weights: GraphImageWeights = graphImageWeights()): ModelFiles {
  const g = new GraphDefBuilder();
  g.placeholder('x', 'float32', [-1, 6, 6, 3]);
  g.constFloat('conv/w', [3, 3, 3, 4], weights.w);
  g.constFloat('conv/b', [4], weights.b);
  g.constInt('pool/axes', [2], [1, 2]);
  g.constFloat('head/w', [4, 5], weights.fc);
  g.constFloat('head/b', [5], weights.fb);
  g.conv2d('conv/Conv2D', 'x', 'conv/w');
  g.float('conv/BiasAdd', 'BiasAdd', ['conv/Conv2D', 'conv/b']);
  g.float('features', 'Relu', ['conv/BiasAdd']);
  g.mean('pool', 'features', 'pool/axes');
  g.matmul('head/MatMul', 'pool', 'head/w');
  g.float('logits', 'BiasAdd', ['head/MatMul', 'head/b']);
  g.float('probs', 'Softmax', ['logits']);
  return g.files(['probs']);
}

/** Features of the graph image model computed with tf ops: spatial [b, 6, 6, 4] and pooled [b, 4]. */
export function graphImageReference(x: tf.Tensor4D, weights: GraphImageWeights = graphImageWeights()): { spatial: Float32Array; pooled: Float32Array; logits: Float32Array } {
  return tf.tidy(() => {
    const spatial = tf.relu(tf.add(tf.conv2d(x, tf.tensor4d(weights.w, [3, 3, 3, 4]), 1, 'same'), tf.tensor1d(weights.b)));
    const pooled = tf.mean(spatial, [1, 2]);
    const logits = tf.add(tf.matMul(pooled as tf.Tensor2D, tf.tensor2d(weights.fc, [4, 5])), tf.tensor1d(weights.fb));
    return { spatial: spatial.dataSync() as Float32Array, pooled: pooled.dataSync() as Float32Array, logits: logits.dataSync() as Float32Array };
  });
}

export const STRING_BUCKETS = 16;
export const STRING_DIM = 5;

/** The string-input text model: a bag of hashed words (split on spaces). */
export function graphStringTextFiles(emb: Float32Array = seededFloats(STRING_BUCKETS * STRING_DIM, 11), head: Float32Array = seededFloats(STRING_DIM * 2, 12)): ModelFiles {
  const g = new GraphDefBuilder();
  g.placeholder('sentences', 'string', [-1]);
  g.constString('split/delimiter', [], [' ']);
  g.constFloat('embeddings', [STRING_BUCKETS, STRING_DIM], emb);
  g.constInt('zero', [], [0]);
  g.constInt('one', [], [1]);
  g.constFloat('head/w', [STRING_DIM, 2], head);
  g.op('split', 'StringSplit', ['sentences', 'split/delimiter'], { skip_empty: { b: true } });
  g.op('hash', 'StringToHashBucketFast', ['split:1'], { num_buckets: { i: String(STRING_BUCKETS) } });
  g.op('rows', 'GatherV2', ['split:0', 'zero', 'one'], { Tparams: { type: 'DT_INT32' }, Tindices: { type: 'DT_INT32' }, batch_dims: { i: '0' } });
  g.op('embedding', 'SparseSegmentMean', ['embeddings', 'hash', 'rows'], { T: { type: 'DT_FLOAT' } });
  g.matmul('logits', 'embedding', 'head/w');
  return g.files(['logits']);
}

/** What the string model gives for `texts`, with tf ops: the mean of the hashed words' rows. */
export function graphStringReference(texts: string[], emb: Float32Array = seededFloats(STRING_BUCKETS * STRING_DIM, 11)): Float32Array {
  const out = new Float32Array(texts.length * STRING_DIM);
  texts.forEach((t, i) => {
    const words = t.split(' ').filter((w) => w.length > 0);
    const buckets = tf.tidy(() => tf.string.stringToHashBucketFast(tf.tensor1d(words, 'string'), STRING_BUCKETS).dataSync());
    for (const b of buckets) for (let d = 0; d < STRING_DIM; d++) out[i * STRING_DIM + d]! += (emb[b * STRING_DIM + d] as number) / words.length;
  });
  return out;
}

/** A unigram vocabulary (USE format): 6 reserved symbols, then pieces. */
export const VOCAB: Array<[string, number]> = [
  ['<unk>', 0],
  ['<s>', 0],
  ['</s>', 0],
  ['<pad>', 0],
  ['<r4>', 0],
  ['<r5>', 0],
  ['▁', -3],
  ['▁good', -2],
  ['▁morning', -2.5],
  ['▁bad', -2.2],
  ['▁day', -2.1],
  ['▁go', -3],
  ['od', -3.5],
  ['s', -3],
  ['!', -2.8],
];
export const VOCAB_SIZE = VOCAB.length;
export const IDS_LENGTH = 8;
export const IDS_DIM = 4;

/** The dense-ids text model: tanh(E[ids]) · mask, mean over the sequence. */
export function graphIdsTextFiles(emb: Float32Array = seededFloats(VOCAB_SIZE * IDS_DIM, 21), head: Float32Array = seededFloats(IDS_DIM * 3, 22)): ModelFiles {
  const g = new GraphDefBuilder();
  g.placeholder('input_ids', 'int32', [-1, IDS_LENGTH]);
  g.placeholder('attention_mask', 'int32', [-1, IDS_LENGTH]);
  g.constFloat('embeddings', [VOCAB_SIZE, IDS_DIM], emb);
  g.constInt('zero', [], [0]);
  g.constInt('minus1', [], [-1]);
  g.constInt('seq/axes', [1], [1]);
  g.constFloat('head/w', [IDS_DIM, 3], head);
  g.op('gather', 'GatherV2', ['embeddings', 'input_ids', 'zero'], { Tparams: { type: 'DT_FLOAT' }, Tindices: { type: 'DT_INT32' }, batch_dims: { i: '0' } });
  g.float('tanh', 'Tanh', ['gather']);
  g.op('maskf', 'Cast', ['attention_mask'], { SrcT: { type: 'DT_INT32' }, DstT: { type: 'DT_FLOAT' } });
  g.op('mask3', 'ExpandDims', ['maskf', 'minus1'], { T: { type: 'DT_FLOAT' }, Tdim: { type: 'DT_INT32' } });
  g.float('tokens', 'Mul', ['tanh', 'mask3']);
  g.mean('pooled', 'tokens', 'seq/axes');
  g.matmul('logits', 'pooled', 'head/w');
  return g.files(['logits']);
}

/** Token features [b, L, D] and pooled [b, D] of the ids model for padded ids and mask, with tf ops. */
export function graphIdsReference(ids: number[][], emb: Float32Array = seededFloats(VOCAB_SIZE * IDS_DIM, 21)): { tokens: Float32Array; pooled: Float32Array } {
  return tf.tidy(() => {
    const padded = ids.map((r) => [...r, ...new Array(IDS_LENGTH - r.length).fill(0)]);
    const mask = ids.map((r) => Array.from({ length: IDS_LENGTH }, (_, p) => (p < r.length ? 1 : 0)));
    const tokens = tf.mul(tf.tanh(tf.gather(tf.tensor2d(emb, [VOCAB_SIZE, IDS_DIM]), tf.tensor2d(padded, undefined, 'int32'))), tf.expandDims(tf.tensor2d(mask), -1));
    return { tokens: tokens.dataSync() as Float32Array, pooled: tf.mean(tokens, 1).dataSync() as Float32Array };
  });
}

export const SPARSE_DIM = 6;

/** The USE-style sparse model: mean of the embedding rows of each text's ids. */
export function graphSparseTextFiles(emb: Float32Array = seededFloats(VOCAB_SIZE * SPARSE_DIM, 31)): ModelFiles {
  const g = new GraphDefBuilder();
  g.placeholder('indices', 'int32', [-1, 2]);
  g.placeholder('values', 'int32', [-1]);
  g.constFloat('embeddings', [VOCAB_SIZE, SPARSE_DIM], emb);
  g.constInt('zero', [], [0]);
  g.constInt('one', [], [1]);
  g.op('rows', 'GatherV2', ['indices', 'zero', 'one'], { Tparams: { type: 'DT_INT32' }, Tindices: { type: 'DT_INT32' }, batch_dims: { i: '0' } });
  g.op('embedding', 'SparseSegmentMean', ['embeddings', 'values', 'rows'], { T: { type: 'DT_FLOAT' } });
  return g.files(['embedding']);
}

export const LAYERS_TEXT_LENGTH = 6;

/** The layers text classifier on ids (Embedding input is float32, as Keras makes it). */
export function layersTextModel(seed = 41): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [
      tfl.layers.embedding({ inputDim: 12, outputDim: 4, inputLength: LAYERS_TEXT_LENGTH, name: 'emb' }),
      tfl.layers.dense({ units: 4, activation: 'tanh', name: 'proj' }),
      tfl.layers.globalAveragePooling1d({ name: 'gap' }),
      tfl.layers.dense({ units: 3, name: 'logits' }),
    ],
  });
  seedWeights(model, seed);
  return model;
}

export { writeModelFiles };
