import '@tensorflow/tfjs-backend-cpu';
import { join } from 'node:path';
import { blankImage } from '@mmaux/datasets';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createImageEncoder, TFJS_IMAGE_PRESETS, type TfjsImagePreset } from '../src/index.js';
import { resolveImageInput } from '../src/tfjs/image-presets.js';
import { GraphDefBuilder } from './helpers/tfjs-graph-def.js';
import { writeModelFiles } from './helpers/tfjs-models.js';
import { rejectsWithCode, tempDir } from './helpers/util.js';

const dir = tempDir('tfjs-presets');

/** A model that averages its input over the image: the pooled features are the mean normalised pixel. */
function meanPixelModel(name: string, shape: number[], dtype: 'float32' | 'int32' = 'float32'): string {
  const g = new GraphDefBuilder();
  g.placeholder('x', dtype, shape);
  let x = 'x';
  if (dtype === 'int32') x = g.op('xf', 'Cast', ['x'], { SrcT: { type: 'DT_INT32' }, DstT: { type: 'DT_FLOAT' } });
  g.constInt('axes', [2], [1, 2]);
  g.mean('pool', x, 'axes');
  g.float('out', 'Identity', ['pool']);
  return writeModelFiles(join(dir, name), g.files(['out']));
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('tfjs: image presets and normalisation', () => {
  const colour: [number, number, number] = [255, 0, 51]; // [1, 0, 0.2] on the [0, 1] scale

  it.each(Object.keys(TFJS_IMAGE_PRESETS) as TfjsImagePreset[])('preset %s: its size for a model without a fixed size, pixels mapped onto its range', async (preset) => {
    const path = meanPixelModel(`dyn-${preset}`, [-1, -1, -1, 3]);
    const { size, range } = TFJS_IMAGE_PRESETS[preset];
    const enc = await createImageEncoder(`tfjs:${path}`, { preset });
    expect(enc.id).toContain(`;size=${size}x${size};range=${range[0]},${range[1]};resize=squash;`);
    const f = await enc.encode([blankImage(37, 21, colour)]);
    const [lo, hi] = range;
    const expected = colour.map((c) => lo + ((hi - lo) * c) / 255);
    expect(Array.from(f.pooled).map((v, i) => Math.abs(v - expected[i]!))).toEqual([0, 0, 0].map(() => expect.closeTo(0, 6)));
    await enc.dispose();
  });

  it('the families: MobileNet v1/v2 and Keras Inception [-1, 1], TF Hub [0, 1]; 224 except Inception 299', () => {
    expect(Object.fromEntries(Object.entries(TFJS_IMAGE_PRESETS).map(([k, v]) => [k, [v.size, ...v.range]]))).toEqual({
      'mobilenet-v1': [224, -1, 1],
      'mobilenet-v2': [224, -1, 1],
      'mobilenet-v3': [224, 0, 1],
      efficientnet: [224, 0, 1],
      'inception-v3': [299, -1, 1],
      tfhub: [224, 0, 1],
    });
  });

  it('a fixed model size wins over the preset; range, mean / std override it', async () => {
    const path = meanPixelModel('fixed', [-1, 5, 7, 3]);
    const inception = await createImageEncoder(`tfjs:${path}`, { preset: 'inception-v3' });
    expect(inception.id).toContain(';size=5x7;range=-1,1;');
    await inception.dispose();
    const raw = await createImageEncoder(`tfjs:${path}`, { preset: 'mobilenet-v2', range: [0, 255] });
    expect(Array.from((await raw.encode([blankImage(9, 9, colour)])).pooled)).toEqual([255, 0, 51].map((v) => expect.closeTo(v, 4)));
    await raw.dispose();
    const mean = [0.485, 0.456, 0.406] as const;
    const std = [0.229, 0.224, 0.225] as const;
    const imagenet = await createImageEncoder(`tfjs:${path}`, { mean, std });
    expect(imagenet.id).toContain(';mean=0.485,0.456,0.406;std=0.229,0.224,0.225;');
    const f = await imagenet.encode([blankImage(9, 9, colour)]);
    expect(Array.from(f.pooled)).toEqual([1, 0, 0.2].map((v, c) => expect.closeTo((v - mean[c]!) / std[c]!, 5)));
    await imagenet.dispose();
  });

  it("resize 'center-crop' keeps the central square, 'squash' the whole image", async () => {
    const path = meanPixelModel('crop', [-1, -1, -1, 3]);
    // 30 × 10: the left third red, the rest blue
    const img = { data: new Uint8Array(30 * 10 * 3), width: 30, height: 10, channels: 3 as const };
    for (let y = 0; y < 10; y++) for (let x = 0; x < 30; x++) img.data[(y * 30 + x) * 3 + (x < 10 ? 0 : 2)] = 255;
    const crop = await createImageEncoder(`tfjs:${path}`, { size: 10, resize: 'center-crop' });
    const squash = await createImageEncoder(`tfjs:${path}`, { size: 10 });
    const [fc, fs] = [await crop.encode([img]), await squash.encode([img])];
    expect(Array.from(fc.pooled)).toEqual([0, 0, 1]);
    expect(fs.pooled[0]).toBeCloseTo(1 / 3, 1);
    expect(fs.pooled[2]).toBeCloseTo(2 / 3, 1);
    await Promise.all([crop.dispose(), squash.dispose()]);
  });

  it('an int32 image input gets the raw pixels 0…255, and refuses normalisation options', async () => {
    const path = meanPixelModel('int', [-1, 4, 4, 3], 'int32');
    const enc = await createImageEncoder(`tfjs:${path}`);
    expect(enc.id).toContain(';size=4x4;pixels=int32;');
    expect(Array.from((await enc.encode([blankImage(8, 8, colour)])).pooled)).toEqual([255, 0, 51]);
    await enc.dispose();
    const e = await rejectsWithCode(createImageEncoder(`tfjs:${path}`, { preset: 'mobilenet-v2' }), 'INVALID_OPTION');
    expect(e.message).toContain('is int32 (raw pixels 0…255, normalised inside the model)');
  });

  it('bad options name the option and the value', () => {
    const bad = (o: object) => () => resolveImageInput('createImageEncoder', 's', o, null);
    expect(bad({ preset: 'resnet' })).toThrow("preset must be one of 'mobilenet-v1', 'mobilenet-v2', 'mobilenet-v3', 'efficientnet', 'inception-v3', 'tfhub', got \"resnet\"");
    expect(bad({ range: [1, 1] })).toThrow('range must be two different finite numbers');
    expect(bad({ mean: [0.5, 0.5, 0.5] })).toThrow('mean and std go together');
    expect(bad({ mean: [0, 0, 0], std: [1, 0, 1] })).toThrow('std must not contain 0');
    expect(bad({ range: [0, 1], mean: [0, 0, 0], std: [1, 1, 1] })).toThrow('either range or mean + std');
    expect(bad({ size: 0 })).toThrow('size must be an integer in [1, 4096], got number 0');
    expect(bad({ resize: 'crop' })).toThrow("resize must be one of 'squash', 'center-crop'");
  });
});
