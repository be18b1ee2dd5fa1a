// transformers.js encoders on tiny ONNX models written by test/helpers/tiny-models.ts, loaded
// from local folders with remote loading off.
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { env } from '@huggingface/transformers';
import { blankImage, type DecodedImage, encodePng } from '@mmaux/datasets';
import { beforeAll, describe, expect, it } from 'vitest';
import { createImageEncoder, createTextEncoder, cudaExecutionProviderInstalled, type TextFeatures } from '../src/index.js';
import { TINY_VOCAB, tinyTextReference, writeTinyClipModel, writeTinyResnetModel, writeTinyTextModel, writeTinyVitModel } from './helpers/tiny-models.js';
import { maxAbsDiff, rejectsWithCode, tempDir } from './helpers/util.js';

let root: string;

beforeAll(() => {
  root = tempDir('hf');
  env.allowRemoteModels = false;
  env.localModelPath = root;
  writeTinyTextModel(join(root, 'tiny-bert'), { quantizedCopy: true });
  writeTinyVitModel(join(root, 'tiny-vit'));
  writeTinyResnetModel(join(root, 'tiny-resnet'));
  writeTinyClipModel(join(root, 'tiny-clip'));
});

const ids = (words: string[]) => [2, ...words.map((w) => TINY_VOCAB.indexOf(w)), 3]; // [CLS] … [SEP]

/** Row i of the token features, real tokens only. */
function tokensOf(f: TextFeatures, i: number): Float32Array {
  const { length: L, dim: D } = f.shape;
  const n = f.mask.subarray(i * L, (i + 1) * L).reduce((a, b) => a + b, 0);
  return f.tokens.slice(i * L * D, (i * L + n) * D);
}

function picture(width: number, height: number, seed: number): DecodedImage {
  const data = new Uint8Array(width * height * 3);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s >>> 24;
  }
  return { data, width, height, channels: 3 };
}

describe('transformers.js text encoder (tiny BERT-like ONNX model)', () => {
  const texts = ['the cat sat on the mat', 'a dog', 'this is not a good day', 'the'];

  it('loads a local folder by name (localModelPath) or by path, with the documented shapes and masks', async () => {
    const enc = await createTextEncoder('hf:tiny-bert');
    const byPath = await createTextEncoder(`hf:${join(root, 'tiny-bert')}`);
    expect(byPath.id).toBe(enc.id);
    expect(enc.id).toMatch(/^hf:tiny-bert;files=[0-9a-f]{16};dtype=fp32;tjs=\d+\.\d+;max=128;pool=first$/);
    expect([enc.kind, enc.dim, enc.maxLength, enc.device]).toEqual(['text', 16, 128, 'cpu']);
    const f = await enc.encode(texts);
    const lengths = texts.map((t) => t.split(' ').length + 2);
    expect(f.shape).toEqual({ n: 4, length: Math.max(...lengths), dim: 16 });
    for (let i = 0; i < 4; i++) {
      const L = f.shape.length;
      expect(Array.from(f.mask.subarray(i * L, (i + 1) * L))).toEqual(Array.from({ length: L }, (_, p) => (p < (lengths[i] as number) ? 1 : 0)));
      // padding positions are zero
      expect(f.tokens.subarray((i * L + (lengths[i] as number)) * 16, (i + 1) * L * 16).every((v) => v === 0)).toBe(true);
    }
  });

  it('returns last_hidden_state at the real tokens, as computed from the weights; pooled = first token', async () => {
    const enc = await createTextEncoder('hf:tiny-bert');
    const f = await enc.encode(texts);
    texts.forEach((t, i) => {
      const ref = tinyTextReference(ids(t.split(' ')));
      expect(maxAbsDiff(tokensOf(f, i), ref)).toBeLessThan(1e-5);
      expect(maxAbsDiff(f.pooled.subarray(i * 16, (i + 1) * 16), ref.subarray(0, 16))).toBeLessThan(1e-5);
    });
  });

  it('is deterministic and batch-size invariant', async () => {
    const one = await createTextEncoder('hf:tiny-bert', { batchSize: 1 });
    const four = await createTextEncoder('hf:tiny-bert', { batchSize: 4, intraOpThreads: 1 });
    expect(one.id).toBe(four.id); // batch size and threads do not change the output, so not the id
    const many = [...texts, 'so very happy', 'my cat is sad and my dog is bad'];
    const a = await one.encode(many);
    const b = await four.encode(many);
    const c = await four.encode(many);
    expect(a.shape).toEqual(b.shape);
    expect(Array.from(a.mask)).toEqual(Array.from(b.mask));
    expect(maxAbsDiff(a.tokens, b.tokens)).toBeLessThan(1e-6);
    expect(maxAbsDiff(a.pooled, b.pooled)).toBeLessThan(1e-6);
    expect(Array.from(c.tokens)).toEqual(Array.from(b.tokens));
  });

  it("pooling 'mean' is the masked mean, and is part of the id", async () => {
    const enc = await createTextEncoder('hf:tiny-bert', { pooling: 'mean' });
    expect(enc.id).toContain(';pool=mean');
    const f = await enc.encode(texts);
    texts.forEach((t, i) => {
      const ref = tinyTextReference(ids(t.split(' ')));
      const n = ref.length / 16;
      const mean = Array.from({ length: 16 }, (_, d) => Array.from({ length: n }, (_, p) => ref[p * 16 + d] as number).reduce((a, b) => a + b) / n);
      expect(maxAbsDiff(f.pooled.subarray(i * 16, (i + 1) * 16), mean)).toBeLessThan(1e-5);
    });
  });

  it('cuts texts to maxLength tokens (default 128) and records it in the id', async () => {
    const long = Array.from({ length: 200 }, () => 'cat').join(' ');
    const f = await (await createTextEncoder('hf:tiny-bert')).encode([long]);
    expect(f.shape.length).toBe(128);
    const short = await createTextEncoder('hf:tiny-bert', { maxLength: 8 });
    expect(short.id).toContain(';max=8;');
    const g = await short.encode([long, 'a']);
    expect(g.shape.length).toBe(8);
    expect(Array.from(g.mask.subarray(8, 16))).toEqual([1, 1, 1, 0, 0, 0, 0, 0]);
  });

  it('loads onnx/model_quantized.onnx with quantized: true (another id, other features)', async () => {
    const fp32 = await createTextEncoder('hf:tiny-bert');
    const q8 = await createTextEncoder('hf:tiny-bert', { quantized: true });
    expect(q8.id).toContain(';dtype=q8;');
    expect(q8.id).not.toBe(fp32.id);
    const f = await q8.encode(['the cat']);
    expect(maxAbsDiff(tokensOf(f, 0), tinyTextReference(ids(['the', 'cat']), 16, 101))).toBeLessThan(1e-5);
  });

  it('changes its id when the model files change', async () => {
    const dir = join(root, 'bert-copy');
    cpSync(join(root, 'tiny-bert'), dir, { recursive: true });
    const before = (await createTextEncoder(`hf:${dir}`)).id;
    writeTinyTextModel(dir, { seed: 2 });
    const after = (await createTextEncoder(`hf:${dir}`)).id;
    expect(after).not.toBe(before);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, note: 'changed' }));
    expect((await createTextEncoder(`hf:${dir}`)).id).not.toBe(after);
  });

  it('CLIP text tower: text_model.onnx, pooled = pooler_output (the last real token)', async () => {
    const enc = await createTextEncoder('hf:tiny-clip');
    expect(enc.id).toContain(';pool=pooler');
    const f = await enc.encode(['the cat sat', 'a']);
    for (const i of [0, 1]) {
      const tok = tokensOf(f, i);
      expect(maxAbsDiff(f.pooled.subarray(i * 16, (i + 1) * 16), tok.subarray(tok.length - 16))).toBeLessThan(1e-6);
    }
  });
});

describe('transformers.js image encoders (tiny ViT-, ResNet- and CLIP-like ONNX models)', () => {
  it('ViT: tokens = CLS + 4×4 grid, pooled = CLS, the model processor does the resizing', async () => {
    const enc = await createImageEncoder('hf:tiny-vit');
    expect([enc.kind, enc.dim, enc.patches]).toEqual(['image', 16, 17]);
    expect(enc.grid).toEqual({ rows: 4, cols: 4, prefixTokens: 1 });
    expect(enc.id).toMatch(/^hf:tiny-vit;files=[0-9a-f]{16};dtype=fp32;tjs=\d+\.\d+;pool=first$/);
    const f = await enc.encode([picture(50, 40, 1), blankImage(8, 8, [0, 0, 0])]);
    expect(f.shape).toEqual({ n: 2, patches: 17, dim: 16 });
    expect(f.grid).toEqual({ rows: 4, cols: 4, prefixTokens: 1 });
    for (const i of [0, 1]) expect(Array.from(f.pooled.subarray(i * 16, (i + 1) * 16))).toEqual(Array.from(f.patches.subarray(i * 17 * 16, i * 17 * 16 + 16)));
    expect(Array.from(f.patches.subarray(0, 17 * 16))).not.toEqual(Array.from(f.patches.subarray(17 * 16)));
  });

  it('is deterministic, batch-size invariant, and reads paths, bytes and pixels alike', async () => {
    const dir = tempDir('img');
    const img = picture(37, 29, 7);
    const png = await encodePng(img);
    writeFileSync(join(dir, 'a.png'), png);
    const images = [join(dir, 'a.png'), png, img, picture(64, 64, 3), blankImage(5, 5)];
    const one = await createImageEncoder('hf:tiny-vit', { batchSize: 1 });
    const three = await createImageEncoder('hf:tiny-vit', { batchSize: 3 });
    const a = await one.encode(images);
    const b = await three.encode(images);
    expect(maxAbsDiff(a.patches, b.patches)).toBeLessThan(1e-6);
    expect(maxAbsDiff(a.pooled, b.pooled)).toBeLessThan(1e-6);
    const per = 17 * 16;
    expect(Array.from(a.patches.subarray(per, 2 * per))).toEqual(Array.from(a.patches.subarray(0, per)));
    expect(Array.from(a.patches.subarray(2 * per, 3 * per))).toEqual(Array.from(a.patches.subarray(0, per)));
    expect(Array.from((await three.encode(images)).patches)).toEqual(Array.from(b.patches));
  });

  it("uses the folder's preprocessor_config.json (another normalisation: other features and id)", async () => {
    const dir = join(root, 'vit-other-norm');
    cpSync(join(root, 'tiny-vit'), dir, { recursive: true });
    const cfg = JSON.parse(readFileSync(join(dir, 'preprocessor_config.json'), 'utf8'));
    writeFileSync(join(dir, 'preprocessor_config.json'), JSON.stringify({ ...cfg, image_mean: [0.4, 0.4, 0.4], image_std: [0.2, 0.2, 0.2] }));
    const a = await createImageEncoder('hf:tiny-vit');
    const b = await createImageEncoder(`hf:${dir}`);
    expect(b.id.split(';')[1]).not.toBe(a.id.split(';')[1]);
    const img = [picture(32, 32, 9)];
    expect(maxAbsDiff((await a.encode(img)).pooled, (await b.encode(img)).pooled)).toBeGreaterThan(1e-3);
  });

  it('ResNet: the spatial map [C, h, w] becomes h·w patches; pooled = their mean = pooler_output', async () => {
    const enc = await createImageEncoder('hf:tiny-resnet');
    expect([enc.dim, enc.patches]).toEqual([8, 16]);
    expect(enc.grid).toEqual({ rows: 4, cols: 4, prefixTokens: 0 });
    expect(enc.id).toContain(';pool=mean');
    const imgs = [picture(40, 40, 5), picture(20, 30, 6)];
    const f = await enc.encode(imgs);
    for (let i = 0; i < 2; i++) {
      for (let d = 0; d < 8; d++) {
        let m = 0;
        for (let p = 0; p < 16; p++) m += (f.patches[(i * 16 + p) * 8 + d] as number) / 16;
        expect(f.pooled[i * 8 + d]).toBeCloseTo(m, 5);
      }
    }
    const pooler = await (await createImageEncoder('hf:tiny-resnet', { pooling: 'pooler' })).encode(imgs);
    expect(maxAbsDiff(pooler.pooled, f.pooled)).toBeLessThan(1e-5);
    await rejectsWithCode(createImageEncoder('hf:tiny-resnet', { pooling: 'first' }), 'INVALID_OPTION');
  });

  it('CLIP vision tower: vision_model.onnx, pooled = pooler_output (CLS)', async () => {
    const enc = await createImageEncoder('hf:tiny-clip');
    expect(enc.grid).toEqual({ rows: 4, cols: 4, prefixTokens: 1 });
    const f = await enc.encode([picture(30, 30, 2)]);
    expect(Array.from(f.pooled)).toEqual(Array.from(f.patches.subarray(0, 16)));
  });
});

describe('missing models and devices', () => {
  it('says where it looked and how to provide the model', async () => {
    const err = await rejectsWithCode(createTextEncoder('hf:some-org/missing-model'), 'MODEL_NOT_FOUND');
    expect(err.message).toContain(join(root, 'some-org/missing-model'));
    expect(err.message).toContain('allowRemote: false');
    expect(err.message).toContain('optimum-cli export onnx');
    expect(err.message).toContain('onnx/model.onnx');
    const abs = await rejectsWithCode(createImageEncoder(`hf:${join(root, 'nowhere')}`), 'MODEL_NOT_FOUND');
    expect(abs.message).toContain(join(root, 'nowhere', 'config.json'));
  });

  it("finds a hub id in transformers.js' download cache when downloads are off", async () => {
    const cacheDir = tempDir('hf-cache');
    cpSync(join(root, 'tiny-bert'), join(cacheDir, 'some-org', 'cached-bert'), { recursive: true });
    const enc = await createTextEncoder('hf:some-org/cached-bert', { cacheDir });
    expect(enc.id).toMatch(/^hf:some-org\/cached-bert;files=/);
    expect(enc.id.split(';')[1]).toBe((await createTextEncoder('hf:tiny-bert')).id.split(';')[1]); // same files, same hash
  });

  it('names the weight files a folder has when the asked dtype is missing, and missing tokenizer / processor files', async () => {
    const err = await rejectsWithCode(createImageEncoder('hf:tiny-vit', { quantized: true }), 'MODEL_NOT_FOUND');
    expect(err.message).toContain(join(root, 'tiny-vit', 'onnx', 'model_quantized.onnx'));
    expect(err.message).toContain('the folder has onnx/model.onnx');
    const noTokenizer = await rejectsWithCode(createTextEncoder('hf:tiny-vit'), 'MODEL_NOT_FOUND');
    expect(noTokenizer.message).toMatch(/tokenizer\.json and tokenizer_config\.json/);
    const dir = join(root, 'vit-no-processor');
    cpSync(join(root, 'tiny-vit'), dir, { recursive: true });
    rmSync(join(dir, 'preprocessor_config.json'));
    const noProcessor = await rejectsWithCode(createImageEncoder(`hf:${dir}`), 'MODEL_NOT_FOUND');
    expect(noProcessor.message).toContain('preprocessor_config.json');
  });

  it('reports unreadable weights and models without last_hidden_state', async () => {
    const broken = join(root, 'broken-bert');
    cpSync(join(root, 'tiny-bert'), broken, { recursive: true });
    writeFileSync(join(broken, 'onnx', 'model.onnx'), 'not a protobuf');
    const err = await rejectsWithCode(createTextEncoder(`hf:${broken}`), 'MODEL_LOAD_FAILED');
    expect(err.message).toContain('onnx/model.onnx');
    const classifier = writeTinyTextModel(join(root, 'logits-bert'), { outputName: 'logits' });
    const unsupported = await rejectsWithCode(createTextEncoder(`hf:${classifier}`), 'UNSUPPORTED_MODEL');
    expect(unsupported.message).toMatch(/no last_hidden_state .*outputs: logits/);
    await rejectsWithCode(createTextEncoder('hf:tiny-bert', { pooling: 'pooler' }), 'UNSUPPORTED_MODEL');
    await rejectsWithCode(createTextEncoder('hf:tiny-bert', { dtype: 'fp64' as 'fp32' }), 'INVALID_OPTION');
    await rejectsWithCode(createTextEncoder('hf:'), 'INVALID_SPEC');
  });

  it('loads an ONNX file at the folder root too (optimum-cli layout)', async () => {
    const dir = join(root, 'flat-bert');
    cpSync(join(root, 'tiny-bert'), dir, { recursive: true });
    cpSync(join(dir, 'onnx', 'model.onnx'), join(dir, 'model.onnx'));
    rmSync(join(dir, 'onnx'), { recursive: true });
    const enc = await createTextEncoder(`hf:${dir}`);
    expect(enc.dim).toBe(16);
  });

  it("gives CUDA_UNAVAILABLE for device 'cuda' without the CUDA provider, and falls back to the CPU with 'auto'", async () => {
    const auto = await createTextEncoder('hf:tiny-bert', { device: 'auto' });
    expect(auto.device).toBe(cudaExecutionProviderInstalled() ? 'cuda' : 'cpu');
    if (!cudaExecutionProviderInstalled()) {
      const err = await rejectsWithCode(createTextEncoder('hf:tiny-bert', { device: 'cuda' }), 'CUDA_UNAVAILABLE');
      expect(err.message).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12');
    }
  });
});
