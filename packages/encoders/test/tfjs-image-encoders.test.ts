import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfc from '@tensorflow/tfjs-converter';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { createImageEncoder } from '../src/index.js';
import { localModelHandler } from '../src/tfjs/local-model-io.js';
import { seededImage } from './helpers/tfjs-model-files.js';
import { graphImageFiles, graphImageReference, writeLayersImageModel, writeModelFiles } from './helpers/tfjs-models.js';
import { maxAbsDiff, tempDir } from './helpers/util.js';

type Img = ReturnType<typeof seededImage>;

/** An image at the model's size (so the resize is exact) as the NHWC input the model sees. */
function nhwc(images: Img[], lo: number, hi: number): tf.Tensor4D {
  const { width, height } = images[0]!;
  const data = new Float32Array(images.length * width * height * 3);
  images.forEach((img, i) => img.data.forEach((v, j) => (data[i * width * height * 3 + j] = lo + ((hi - lo) * v) / 255)));
  return tf.tensor4d(data, [images.length, height, width, 3]);
}

// `[n, P, D]` patches of a spatial map [n, h, w, D] are its cells in row-major order: the same array.
const dir = tempDir('tfjs-image');

describe.each(['cpu', 'wasm'] as const)('tfjs: image encoders on the %s backend', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
    expect(tf.getBackend()).toBe(backend);
  });

  it('a LayersModel: default node is the global pooling before the classifier, its spatial input kept as patches; equals the model run directly', async () => {
    const { model, path } = await writeLayersImageModel(join(dir, `layers-${backend}`));
    const images = [seededImage(8, 8, 1), seededImage(8, 8, 2), seededImage(8, 8, 3)];
    const enc = await createImageEncoder(`tfjs:${path}`, { preset: 'mobilenet-v2', batchSize: 2 });
    expect([enc.kind, enc.dim, enc.patches]).toEqual(['image', 6, 16]);
    expect(enc.grid).toEqual({ rows: 4, cols: 4, prefixTokens: 0 });
    expect(enc.id).toMatch(/^tfjs:layers-(cpu|wasm);files=[0-9a-f]{16};node=gap\+conv2;size=8x8;range=-1,1;resize=squash;v=1$/);
    const f = await enc.encode(images);
    expect(f.shape).toEqual({ n: 3, patches: 16, dim: 6 });
    // The same model run directly on [-1, 1] pixels, read at its own layers.
    const x = nhwc(images, -1, 1);
    const sub = tfl.model({ inputs: model.inputs, outputs: [model.getLayer('conv2').output as tfl.SymbolicTensor, model.getLayer('gap').output as tfl.SymbolicTensor, model.outputs[0]!] });
    const [spatial, gap, probs] = sub.predict(x) as tf.Tensor[];
    expect(maxAbsDiff(f.patches, spatial!.dataSync())).toBeLessThan(1e-5);
    expect(maxAbsDiff(f.pooled, gap!.dataSync())).toBeLessThan(1e-5);
    // not the classifier's output (5 values per image)
    expect(probs!.shape).toEqual([3, 5]);
    tf.dispose([x, spatial!, gap!, probs!]);
    await enc.dispose();
    model.dispose();
  });

  it('a GraphModel written by hand: default = the Mean before MatMul (not the logits), Relu map as a 6 × 6 grid; equals tf ops on the weights and the GraphModel run directly', async () => {
    const path = writeModelFiles(join(dir, `graph-${backend}`), graphImageFiles());
    const images = [seededImage(6, 6, 7), seededImage(6, 6, 8)];
    const enc = await createImageEncoder(`tfjs:${path}`, { batchSize: 1 });
    expect([enc.dim, enc.patches, enc.grid]).toEqual([4, 36, { rows: 6, cols: 6, prefixTokens: 0 }]);
    expect(enc.id).toContain(';node=pool+features;size=6x6;range=0,1;');
    const f = await enc.encode(images);
    const x = nhwc(images, 0, 1);
    const ref = graphImageReference(x);
    expect(maxAbsDiff(f.patches, ref.spatial)).toBeLessThan(1e-5);
    expect(maxAbsDiff(f.pooled, ref.pooled)).toBeLessThan(1e-5);
    const direct = await tfc.loadGraphModel(localModelHandler('test', 'test', path));
    const [features, pool] = direct.execute(x, ['features', 'pool']) as tf.Tensor[];
    expect(maxAbsDiff(f.patches, features!.dataSync())).toBeLessThan(1e-5);
    expect(maxAbsDiff(f.pooled, pool!.dataSync())).toBeLessThan(1e-5);
    tf.dispose([x, features!, pool!]);
    direct.dispose();
    await enc.dispose();
  });

  it('#node picks another node: a spatial node gives its grid and their mean, the logits node gives one vector', async () => {
    const path = writeModelFiles(join(dir, `graph-node-${backend}`), graphImageFiles());
    const images = [seededImage(6, 6, 9)];
    const x = nhwc(images, 0, 1);
    const ref = graphImageReference(x);
    x.dispose();
    const spatial = await createImageEncoder(`tfjs:${path}#features`);
    const fs = await spatial.encode(images);
    expect([spatial.dim, spatial.patches]).toEqual([4, 36]);
    expect(maxAbsDiff(fs.patches, ref.spatial)).toBeLessThan(1e-5);
    expect(maxAbsDiff(fs.pooled, ref.pooled)).toBeLessThan(1e-5);
    const logits = await createImageEncoder(`tfjs:${path}#logits`);
    const fl = await logits.encode(images);
    expect([logits.dim, logits.patches, logits.grid]).toEqual([5, 1, null]);
    expect(maxAbsDiff(fl.pooled, ref.logits)).toBeLessThan(1e-5);
    expect(maxAbsDiff(fl.patches, ref.logits)).toBeLessThan(1e-5);
    expect(logits.id).not.toBe(spatial.id);
    await Promise.all([spatial.dispose(), logits.dispose()]);
  });

  it('leaks no tensors: encode leaves the count unchanged, dispose frees the weights', async () => {
    const layers = (await writeLayersImageModel(join(dir, `leak-layers-${backend}`)));
    layers.model.dispose();
    const graph = writeModelFiles(join(dir, `leak-graph-${backend}`), graphImageFiles());
    for (const path of [layers.path, graph]) {
      const start = tf.memory().numTensors;
      const enc = await createImageEncoder(`tfjs:${path}`);
      const loaded = tf.memory().numTensors;
      await enc.encode([seededImage(20, 14, 1), seededImage(5, 9, 2), seededImage(8, 8, 3)]);
      expect(tf.memory().numTensors).toBe(loaded);
      await enc.dispose();
      expect(tf.memory().numTensors).toBe(start);
    }
  });
});
