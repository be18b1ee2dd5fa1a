import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdamW, createFusionModel, createTrainStep, FUSION_KINDS, loadFusionModel, MmauxFusionError, type FusionModel } from '../src/index.js';
import { disposeBatch, randomBatch, smallOptions, useBackend } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'mmaux-fusion-test-'));
let counter = 0;
const freshDir = () => join(root, `model-${counter++}`);

function snapshot(model: FusionModel, batch: ReturnType<typeof randomBatch>): number[][] {
  const unimodal = model.kind === 'text-only' || model.kind === 'image-only';
  const out = model.forward(batch, unimodal ? {} : { itmPartner: [1, 2, 0, 4, 5, 3] });
  const tensors = [out.classLogits, out.fused, out.textEmbedding, out.imageEmbedding, out.matchLogits].filter((t) => t != null) as tf.Tensor[];
  const values = tensors.map((t) => Array.from(t.dataSync()));
  tf.dispose(tensors);
  return values;
}

async function expectCode(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(MmauxFusionError);
  expect((err as MmauxFusionError).code).toBe(code);
  expect((err as Error).message).toMatch(message);
}

describe('save → load (wasm)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it.each(FUSION_KINDS)('%s: a trained model loads with identical weights and outputs', async (kind) => {
    const model = createFusionModel(kind, smallOptions({ summary: kind === 'concat' ? 'pooled' : 'first-token' }));
    const batch = randomBatch(31, { n: 6 });
    const trainer = createTrainStep(model, { optimizer: new AdamW({ learningRate: 1e-2 }) });
    for (let k = 0; k < 2; k++) await trainer.step(batch); // moves every weight off its seeded init
    const dir = freshDir();
    await model.save(dir);
    expect(readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']); // no temporary files left
    const loaded = await loadFusionModel(dir);
    expect(loaded.config).toEqual(model.config);
    expect(loaded.weightNames()).toEqual(model.weightNames());
    for (const { name, variable } of model.weights) {
      expect(Array.from(loaded.getWeight(name).dataSync()), name).toEqual(Array.from(variable.dataSync()));
    }
    expect(snapshot(loaded, batch)).toEqual(snapshot(model, batch));
    loaded.dispose();
    disposeBatch(batch);
    model.dispose();
  });

  it('overwrites an existing save in place', async () => {
    const dir = freshDir();
    const a = createFusionModel('gmu', smallOptions({ seed: 1 }));
    const b = createFusionModel('gmu', smallOptions({ seed: 2 }));
    await a.save(dir);
    await b.save(dir);
    const loaded = await loadFusionModel(dir);
    expect(Array.from(loaded.getWeight('gmu/gate/kernel').dataSync())).toEqual(Array.from(b.getWeight('gmu/gate/kernel').dataSync()));
    tf.dispose([a, b, loaded].flatMap((m) => m.trainableWeights));
  });

  describe('clear errors for bad folders', () => {
    let dir: string;
    let manifest: Record<string, unknown> & { weights: Array<{ name: string; shape: number[] }> };
    beforeAll(async () => {
      dir = freshDir();
      const model = createFusionModel('attention', smallOptions());
      await model.save(dir);
      model.dispose();
      manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    });

    /** A copy of the saved folder with model.json replaced (or a file removed). */
    const variant = (edit: (m: typeof manifest) => unknown, drop?: string) => {
      const d = freshDir();
      const copy = JSON.parse(JSON.stringify(manifest));
      mkdirSync(d);
      writeFileSync(join(d, 'model.json'), JSON.stringify(edit(copy) ?? copy));
      writeFileSync(join(d, 'weights.bin'), readFileSync(join(dir, 'weights.bin')));
      if (drop) rmSync(join(d, drop));
      return d;
    };

    it('a missing folder or weights file is MISSING_FILE naming the path', async () => {
      await expectCode(loadFusionModel(join(root, 'nowhere')), 'MISSING_FILE', /nowhere.model\.json not found/);
      await expectCode(loadFusionModel(variant(() => undefined, 'weights.bin')), 'MISSING_FILE', /weights\.bin not found/);
    });

    it('bad JSON, another format or a damaged weights file is CORRUPT_FILE', async () => {
      const d = variant(() => undefined);
      writeFileSync(join(d, 'model.json'), '{ not json');
      await expectCode(loadFusionModel(d), 'CORRUPT_FILE', /model\.json is not valid JSON/);
      await expectCode(loadFusionModel(variant((m) => ({ ...m, format: 'keras' }))), 'CORRUPT_FILE', /not an @mmaux\/fusion model/);
      await expectCode(loadFusionModel(variant((m) => ({ ...m, formatVersion: 9 }))), 'CORRUPT_FILE', /formatVersion 9/);
      const damaged = variant(() => undefined);
      const bytes = readFileSync(join(damaged, 'weights.bin'));
      bytes[10] = bytes[10]! ^ 0xff;
      writeFileSync(join(damaged, 'weights.bin'), bytes);
      await expectCode(loadFusionModel(damaged), 'CORRUPT_FILE', /does not match the checksum/);
      const truncated = variant(() => undefined);
      writeFileSync(join(truncated, 'weights.bin'), bytes.subarray(0, 100));
      await expectCode(loadFusionModel(truncated), 'CORRUPT_FILE', /has 100 bytes/);
    });

    it('a missing, extra or reshaped weight is WEIGHT_MISMATCH naming the weight and the file', async () => {
      await expectCode(
        loadFusionModel(variant((m) => void (m.weights = m.weights.filter((w) => w.name !== 'attention/k/bias')))),
        'WEIGHT_MISMATCH',
        /model\.json has no weight "attention\/k\/bias"/,
      );
      await expectCode(
        loadFusionModel(variant((m) => void m.weights.push({ ...m.weights[0]!, name: 'attention/extra' }))),
        'WEIGHT_MISMATCH',
        /does not: "attention\/extra"/,
      );
      await expectCode(
        loadFusionModel(variant((m) => void (m.weights.find((w) => w.name === 'classifier/kernel')!.shape = [3, 16]))),
        'WEIGHT_MISMATCH',
        /weight "classifier\/kernel" in .*model\.json has shape \[3,16\], but the model expects \[16, 3\]/,
      );
    });

    it('a failed load leaks no tensors', async () => {
      const before = tf.memory().numTensors;
      await expectCode(
        loadFusionModel(variant((m) => void (m.weights = m.weights.filter((w) => w.name !== 'itm/bias')))),
        'WEIGHT_MISMATCH',
        /itm\/bias/,
      );
      expect(tf.memory().numTensors).toBe(before);
    });
  });
});
