import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTextEncoder, createUnigramTokenizer, type TfjsTokenizer } from '../src/index.js';
import { saveLayersModel, seededFloats } from './helpers/tfjs-model-files.js';
import {
  graphIdsReference,
  graphIdsTextFiles,
  graphSparseTextFiles,
  graphStringReference,
  graphStringTextFiles,
  IDS_DIM,
  IDS_LENGTH,
  LAYERS_TEXT_LENGTH,
  layersTextModel,
  SPARSE_DIM,
  STRING_DIM,
  VOCAB,
  VOCAB_SIZE,
  writeModelFiles,
} from './helpers/tfjs-models.js';
import { maxAbsDiff, rejectsWithCode, tempDir } from './helpers/util.js';

const dir = tempDir('tfjs-text');
const texts = ['good morning', 'bad day!', 'goods', '', 'good good good good good good good good good day'];
const tokenizer = createUnigramTokenizer(VOCAB);

describe.each(['cpu', 'wasm'] as const)('tfjs: text encoders on the %s backend', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
  });

  it('a string-input GraphModel (StringSplit → hash buckets → SparseSegmentMean): default node is the embedding, not the logits; one token per text', async () => {
    const path = writeModelFiles(join(dir, `strings-${backend}`), graphStringTextFiles());
    const enc = await createTextEncoder(`tfjs:${path}`, { batchSize: 2 });
    expect([enc.kind, enc.dim, enc.maxLength]).toEqual(['text', STRING_DIM, 1]);
    expect(enc.id).toMatch(/;node=embedding;in=strings;v=1$/);
    const some = texts.filter((t) => t.length > 0);
    const f = await enc.encode(some);
    expect(f.shape).toEqual({ n: some.length, length: 1, dim: STRING_DIM });
    expect(Array.from(f.mask)).toEqual(some.map(() => 1));
    const ref = graphStringReference(some);
    expect(maxAbsDiff(f.pooled, ref)).toBeLessThan(1e-5);
    expect(maxAbsDiff(f.tokens, ref)).toBeLessThan(1e-5);
    await enc.dispose();
  });

  it('a dense-ids GraphModel with a mask and a vocab.json beside it: tokens at the real positions, pooled from its own Mean node', async () => {
    const folder = join(dir, `ids-${backend}`);
    const path = writeModelFiles(folder, graphIdsTextFiles());
    writeFileSync(join(folder, 'vocab.json'), JSON.stringify(VOCAB));
    const enc = await createTextEncoder(`tfjs:${path}`, { batchSize: 2 });
    expect([enc.dim, enc.maxLength]).toEqual([IDS_DIM, IDS_LENGTH]);
    expect(enc.id).toContain(`;node=pooled+tokens;in=ids;tok=${tokenizer.id};max=8;pad=0;v=1`);
    const f = await enc.encode(texts);
    const ids = texts.map((t) => [...tokenizer.encode(t)].slice(0, IDS_LENGTH));
    expect(ids.map((r) => r.length)).toEqual([2, 3, 2, 0, 8]);
    const ref = graphIdsReference(ids);
    const length = 8;
    expect(f.shape).toEqual({ n: texts.length, length, dim: IDS_DIM });
    for (let i = 0; i < texts.length; i++) {
      const real = ids[i]!.length;
      expect(Array.from(f.mask.subarray(i * length, (i + 1) * length))).toEqual(Array.from({ length }, (_, p) => (p < real ? 1 : 0)));
      const got = f.tokens.subarray(i * length * IDS_DIM, (i * length + real) * IDS_DIM);
      expect(maxAbsDiff(got, ref.tokens.subarray(i * IDS_LENGTH * IDS_DIM, (i * IDS_LENGTH + real) * IDS_DIM))).toBeLessThan(1e-5);
      expect(f.tokens.subarray((i * length + real) * IDS_DIM, (i + 1) * length * IDS_DIM).every((v) => v === 0)).toBe(true);
    }
    // pooled is the model's own Mean (over all 8 positions, padding zeroed by its mask)
    expect(maxAbsDiff(f.pooled, ref.pooled)).toBeLessThan(1e-5);
    await enc.dispose();
  });

  it('#tokens takes the token node itself: pooled is the mean over real tokens only', async () => {
    const folder = join(dir, `ids-node-${backend}`);
    const path = writeModelFiles(folder, graphIdsTextFiles());
    const enc = await createTextEncoder(`tfjs:${path}#tokens`, { tokenizer });
    const some = texts.slice(0, 3);
    const f = await enc.encode(some);
    const ids = some.map((t) => [...tokenizer.encode(t)]);
    const ref = graphIdsReference(ids);
    const expected = new Float32Array(some.length * IDS_DIM);
    ids.forEach((r, i) => {
      for (let p = 0; p < r.length; p++) for (let d = 0; d < IDS_DIM; d++) expected[i * IDS_DIM + d]! += (ref.tokens[(i * IDS_LENGTH + p) * IDS_DIM + d] as number) / r.length;
    });
    expect(f.shape.length).toBe(3);
    expect(maxAbsDiff(f.pooled, expected)).toBeLessThan(1e-5);
    await enc.dispose();
  });

  it('a USE-style sparse-ids GraphModel (indices + values): one vector per text, equal to the mean of the embedding rows of its ids', async () => {
    const folder = join(dir, `sparse-${backend}`);
    const path = writeModelFiles(folder, graphSparseTextFiles());
    writeFileSync(join(folder, 'vocab.json'), JSON.stringify(VOCAB));
    const enc = await createTextEncoder(`tfjs:${folder}`, { batchSize: 3 });
    expect(enc.id).toContain(';node=embedding;in=sparse;');
    const f = await enc.encode(texts);
    const emb = seededFloats(VOCAB_SIZE * SPARSE_DIM, 31);
    const expected = new Float32Array(texts.length * SPARSE_DIM);
    texts.forEach((t, i) => {
      const ids = tokenizer.encode(t).slice(0, 128);
      const use = ids.length > 0 ? ids : [0]; // an empty text is fed as the pad id
      for (const id of use) for (let d = 0; d < SPARSE_DIM; d++) expected[i * SPARSE_DIM + d]! += (emb[id * SPARSE_DIM + d] as number) / use.length;
    });
    expect(maxAbsDiff(f.pooled, expected)).toBeLessThan(1e-5);
    expect(path.endsWith('model.json')).toBe(true);
    await enc.dispose();
  });

  it('a layers (Sequential) text model on float32 ids with a custom tokenizer: default = GlobalAveragePooling1D with its token input, equal to the model run directly', async () => {
    const model = layersTextModel();
    const path = await saveLayersModel(model, join(dir, `layers-text-${backend}`));
    const words = new Map([['good', 1], ['morning', 2], ['bad', 3], ['day', 4]]);
    const custom: TfjsTokenizer = { id: 'words-v1', encode: (t) => t.split(/\s+/).filter(Boolean).map((w) => words.get(w.replace(/\W/g, '')) ?? 5) };
    const enc = await createTextEncoder(`tfjs:${path}`, { tokenizer: custom, padId: 0 });
    expect([enc.dim, enc.maxLength]).toEqual([4, LAYERS_TEXT_LENGTH]);
    expect(enc.id).toContain(';node=gap+proj;in=ids;tok=words-v1;max=6;pad=0;v=1');
    const some = texts.slice(0, 3);
    const f = await enc.encode(some);
    const ids = some.map((t) => [...custom.encode(t)].slice(0, LAYERS_TEXT_LENGTH));
    const x = tf.tensor2d(ids.map((r) => [...r, ...new Array(LAYERS_TEXT_LENGTH - r.length).fill(0)]));
    const tfl = await import('@tensorflow/tfjs-layers');
    const sub = tfl.model({ inputs: model.inputs, outputs: [model.getLayer('proj').output as never, model.getLayer('gap').output as never] });
    const [proj, gap] = sub.predict(x) as tf.Tensor[];
    expect(maxAbsDiff(f.pooled, gap!.dataSync())).toBeLessThan(1e-5);
    const projData = proj!.dataSync();
    ids.forEach((r, i) => {
      const got = f.tokens.subarray(i * f.shape.length * 4, (i * f.shape.length + r.length) * 4);
      expect(maxAbsDiff(got, projData.subarray(i * LAYERS_TEXT_LENGTH * 4, (i * LAYERS_TEXT_LENGTH + r.length) * 4))).toBeLessThan(1e-5);
    });
    tf.dispose([x, proj!, gap!]);
    model.dispose();
    await enc.dispose();
  });

  it('does not depend on the batch size and leaks no tensors', async () => {
    const folder = join(dir, `ids-leak-${backend}`);
    const path = writeModelFiles(folder, graphIdsTextFiles());
    const start = tf.memory().numTensors;
    const one = await createTextEncoder(`tfjs:${path}`, { tokenizer, batchSize: 1 });
    const many = await createTextEncoder(`tfjs:${path}`, { tokenizer, batchSize: 64 });
    const loaded = tf.memory().numTensors;
    const [a, b] = [await one.encode(texts), await many.encode(texts)];
    expect(tf.memory().numTensors).toBe(loaded);
    expect(maxAbsDiff(a.tokens, b.tokens)).toBe(0);
    expect(maxAbsDiff(a.pooled, b.pooled)).toBe(0);
    expect(one.id).toBe(many.id);
    await Promise.all([one.dispose(), many.dispose()]);
    expect(tf.memory().numTensors).toBe(start);
  });
});

describe('tfjs: text encoder errors', () => {
  it('an id model without vocab.json or tokenizer is MODEL_NOT_FOUND saying what to pass', async () => {
    const path = writeModelFiles(join(dir, 'no-vocab'), graphIdsTextFiles());
    const e = await rejectsWithCode(createTextEncoder(`tfjs:${path}`), 'MODEL_NOT_FOUND');
    expect(e.message).toContain('takes token ids (input input_ids int32[-1, 8]) but there is no vocab.json beside its model.json');
    expect(e.message).toContain("tokenizer: '<path of vocab.json>'");
    const bad = join(dir, 'no-vocab', 'bad-vocab.json');
    writeFileSync(bad, JSON.stringify({ good: 1 }));
    const e2 = await rejectsWithCode(createTextEncoder(`tfjs:${path}`, { tokenizer: bad }), 'MODEL_LOAD_FAILED');
    expect(e2.message).toContain(`the vocabulary ${bad}`);
    await rejectsWithCode(createTextEncoder(`tfjs:${path}`, { tokenizer: { id: 'x' } as unknown as TfjsTokenizer }), 'INVALID_OPTION');
  });

  it('a string model that drops empty texts, and a string #node, are UNSUPPORTED_MODEL naming the rows / node', async () => {
    const path = writeModelFiles(join(dir, 'strings-empty'), graphStringTextFiles());
    const enc = await createTextEncoder(`tfjs:${path}`);
    const e = await rejectsWithCode(enc.encode(['good day', '']), 'UNSUPPORTED_MODEL');
    expect(e.message).toContain('gave 1 rows for the 2 texts 0…1');
    await enc.dispose();
    const e2 = await rejectsWithCode(createTextEncoder(`tfjs:${path}#split:1`), 'UNSUPPORTED_MODEL');
    expect(e2.message).toContain('the node "split:1" of');
    expect(e2.message).toContain('gives strings');
  });

  it('an image model is UNSUPPORTED_MODEL for text; a tokenizer giving bad ids is INVALID_INPUT naming the text', async () => {
    const { graphImageFiles } = await import('./helpers/tfjs-models.js');
    const image = writeModelFiles(join(dir, 'image-as-text'), graphImageFiles());
    const e = await rejectsWithCode(createTextEncoder(`tfjs:${image}`), 'UNSUPPORTED_MODEL');
    expect(e.message).toContain('takes x float32[-1, 6, 6, 3]');
    const path = writeModelFiles(join(dir, 'bad-ids'), graphIdsTextFiles());
    const enc = await createTextEncoder(`tfjs:${path}`, { tokenizer: { id: 'neg', encode: (t) => (t === 'boom' ? [-1] : [1]) } });
    const e2 = await rejectsWithCode(enc.encode(['fine', 'boom']), 'INVALID_INPUT');
    expect(e2.message).toContain('gave the id -1 for texts[1]');
    await enc.dispose();
  });
});
