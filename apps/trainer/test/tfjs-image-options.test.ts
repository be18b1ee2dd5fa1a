// --image-preset / --image-size / --image-range / --image-resize: a tfjs: image encoder's input
// recipe set from the command line. The recipe is part of the encoder id, so the cache keeps runs
// with different ranges apart, and a saved run's config.json recreates the same encoder for
// `predict`. Other encoders refuse the settings with a message naming them.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeLayersImageModel } from '../../../packages/encoders/test/helpers/tfjs-models.js';
import { resolveRunConfig } from '../src/config.js';
import { createEncoders } from '../src/features.js';
import { createLog } from '../src/progress.js';
import { runTraining } from '../src/train-run.js';

let root = '';
let modelJson = '';
const log = createLog({ quiet: true, tty: false, write: () => {}, now: () => 0 });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mmaux-tfjs-image-'));
  const { model, path } = await writeLayersImageModel(join(root, 'cnn'), 1, 8);
  model.dispose();
  modelJson = path;
}, 60_000);
afterAll(() => rm(root, { recursive: true, force: true }));

const settings = (extra: Record<string, unknown>) =>
  resolveRunConfig({}, {
    dataset: 'synthetic', task: 'relation', size: 40, model: 'concat', hiddenDim: 8, epochs: 1, backend: 'cpu',
    imageEncoder: `tfjs:${modelJson}`, cacheDir: join(root, 'cache'), out: join(root, 'run'), ...extra,
  });

describe('tfjs: image encoder settings', () => {
  it('the preset and range reach the encoder id; a saved run recreates the same encoder', async () => {
    const encoderId = async (extra: Record<string, unknown>) => {
      const { text, image } = await createEncoders(settings(extra));
      await text.dispose();
      await image.dispose();
      return image.id;
    };
    expect(await encoderId({})).toContain('range=0,1;resize=squash');
    expect(await encoderId({ imagePreset: 'mobilenet-v2' })).toContain('range=-1,1;resize=squash');
    expect(await encoderId({ imagePreset: 'mobilenet-v2', imageRange: '0,255', imageResize: 'center-crop' })).toContain('range=0,255;resize=center-crop');
    // the model fixes its input (8×8): a preset's 224 does not override it
    expect(await encoderId({ imagePreset: 'inception-v3' })).toContain('size=8x8');

    const config = settings({ imagePreset: 'mobilenet-v2', out: join(root, 'run-preset') });
    await runTraining(config, { log });
    const saved = JSON.parse(readFileSync(join(config.out, 'config.json'), 'utf8'));
    expect([saved.imagePreset, saved.imageRange]).toEqual(['mobilenet-v2', null]);
    const again = await createEncoders(saved);
    expect(again.image.id).toBe(await encoderId({ imagePreset: 'mobilenet-v2' }));
    await Promise.all([again.text.dispose(), again.image.dispose()]);
  }, 60_000);

  it('refuses the settings for other encoders and a malformed range, naming them', () => {
    expect(() => settings({ imageEncoder: 'builtin:image-patches', imageSize: 224, imageResize: 'squash' })).toThrow(
      '--image-size, --image-resize set the input of a tfjs: image encoder; builtin:image-patches has its own image processor. Drop them, or use --image-encoder tfjs:<model.json>.',
    );
    for (const bad of ['1', '0,0', 'a,1', '0,1,2', ',1']) expect(() => settings({ imageRange: bad })).toThrow(`imageRange "${bad}" is not LOW,HIGH`);
    expect(() => settings({ imagePreset: 'resnet' })).toThrow(/imagePreset/);
  });
});
