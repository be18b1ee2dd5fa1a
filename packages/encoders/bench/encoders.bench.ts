/**
 * Benchmarks for @mmaux/encoders (run with `pnpm bench`, i.e. `tsx bench/encoders.bench.ts`).
 * Prints throughput only; nothing here is asserted. Each figure is the median of a few runs
 * after one warm-up run.
 *
 * - posts per second of the built-in encoders (`builtin:text-hash`, `builtin:image-patches`)
 *   and of the tiny ONNX models of the tests (through transformers.js + ONNX Runtime);
 * - feature-cache write and read throughput (MB/s of float features), cold (a new cache
 *   instance: every shard's checksum verified on first open) and warm, and warm reads of the
 *   first token only (`sequence: 'first'`) or the pooled vectors only (`'none'`).
 *
 * Real models: point these environment variables at local model folders (config.json,
 * tokenizer files / preprocessor_config.json, onnx/model.onnx — see the README) to time them
 * too:
 *
 *   MMAUX_BENCH_TEXT_MODEL=/models/bert-base-uncased \
 *   MMAUX_BENCH_IMAGE_MODEL=/models/vit-base-patch16-224-in21k \
 *   MMAUX_BENCH_QUANTIZED=1 MMAUX_BENCH_THREADS=4 MMAUX_BENCH_DEVICE=cpu \
 *   MMAUX_BENCH_POSTS=256 pnpm bench
 *
 * MMAUX_BENCH_QUANTIZED=1 loads onnx/model_quantized.onnx; MMAUX_BENCH_DEVICE is cpu, cuda or
 * auto; MMAUX_BENCH_THREADS sets ONNX Runtime's intra-op threads; MMAUX_BENCH_POSTS the posts
 * per run for the real models (default 64).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { env } from '@huggingface/transformers';
import { type DecodedImage, encodePng } from '@mmaux/datasets';
import {
  createImageEncoder,
  createImagePatchesEncoder,
  createTextEncoder,
  createTextHashEncoder,
  FeatureCache,
  type FeatureEncoder,
  formatBytes,
  type ImageFeatureEncoder,
  type TextFeatureEncoder,
  type TextFeatures,
  textKey,
} from '../src/index.js';
import { writeTinyTextModel, writeTinyVitModel } from '../test/helpers/tiny-models.js';
import { medianMs } from '../../../scripts/bench-utils/median-ms.js';

const WORDS = 'the a my so very not love hate happy sad day night cat dog coffee rain sun game win lose today tomorrow new old great awful'.split(' ');

function tweets(n: number, seed = 1): string[] {
  let s = seed;
  const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return Array.from({ length: n }, (_, i) => {
    const words = Array.from({ length: 8 + Math.floor(r() * 20) }, () => WORDS[Math.floor(r() * WORDS.length)]);
    if (i % 3 === 0) words.push('@someone');
    if (i % 4 === 0) words.push('#HappyFriday', '😂');
    if (i % 5 === 0) words.push('https://t.co/abc');
    return words.join(' ');
  });
}

function picture(width: number, height: number, seed: number): DecodedImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = (x * 255) / width;
      data[i + 1] = (y * 255) / height;
      data[i + 2] = ((x + y + seed * 17) * 7) % 256;
    }
  }
  return { data, width, height, channels: 3 };
}

function line(name: string, ms: number, what: string): void {
  console.log(`${name.padEnd(62)} ${`${ms.toFixed(1)} ms`.padStart(11)}   ${what}`);
}

const perSecond = (count: number, ms: number) => `${((count / ms) * 1000).toFixed(1)} posts/s`;

async function benchText(name: string, enc: TextFeatureEncoder, texts: string[], runs = 3): Promise<void> {
  const ms = await medianMs(runs, () => enc.encode(texts));
  line(`${name}, ${texts.length} posts`, ms, perSecond(texts.length, ms));
}

async function benchImages(name: string, enc: ImageFeatureEncoder, images: Array<Uint8Array | DecodedImage>, runs = 3): Promise<void> {
  const ms = await medianMs(runs, () => enc.encode(images));
  line(`${name}, ${images.length} images`, ms, perSecond(images.length, ms));
}

console.log(`@mmaux/encoders benchmarks (node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} CPUs: ${cpus()[0]?.model ?? '?'})\n`);

const work = mkdtempSync(join(tmpdir(), 'mmaux-encoders-bench-'));
env.allowRemoteModels = false;
const texts = tweets(2000);
const pngs = await Promise.all(Array.from({ length: 64 }, (_, i) => encodePng(picture(320, 240, i))));

console.log('encoders (posts per second; images are 320×240 PNG bytes, decoded with sharp)');
await benchText('builtin:text-hash (dim 512)', createTextHashEncoder(), texts);
await benchImages('builtin:image-patches (96 px, 6×6 grid)', createImagePatchesEncoder(), pngs);

const tinyText = writeTinyTextModel(join(work, 'tiny-bert'), { dim: 64 });
const tinyVit = writeTinyVitModel(join(work, 'tiny-vit'), { dim: 64, imageSize: 64, patchSize: 8 });
await benchText('tiny ONNX BERT-like (D 64), batch 32', await createTextEncoder(`hf:${tinyText}`, { batchSize: 32 }), texts.slice(0, 512));
await benchImages('tiny ONNX ViT-like (64 px, 8×8 grid, D 64), batch 16', await createImageEncoder(`hf:${tinyVit}`, { batchSize: 16 }), pngs);

const threads = process.env.MMAUX_BENCH_THREADS ? Number(process.env.MMAUX_BENCH_THREADS) : undefined;
const realOptions = {
  quantized: process.env.MMAUX_BENCH_QUANTIZED === '1',
  device: (process.env.MMAUX_BENCH_DEVICE ?? 'cpu') as 'cpu' | 'cuda' | 'auto',
  ...(threads ? { intraOpThreads: threads } : {}),
};
const realPosts = Number(process.env.MMAUX_BENCH_POSTS ?? 64);
if (process.env.MMAUX_BENCH_TEXT_MODEL) {
  const enc = await createTextEncoder(`hf:${process.env.MMAUX_BENCH_TEXT_MODEL}`, { ...realOptions, batchSize: 32 });
  console.log(`  real text model: ${enc.id} (dim ${enc.dim}, device ${enc.device})`);
  await benchText(`  ${process.env.MMAUX_BENCH_TEXT_MODEL}, batch 32`, enc, texts.slice(0, realPosts), 1);
}
if (process.env.MMAUX_BENCH_IMAGE_MODEL) {
  const enc = await createImageEncoder(`hf:${process.env.MMAUX_BENCH_IMAGE_MODEL}`, { ...realOptions, batchSize: 16 });
  console.log(`  real image model: ${enc.id} (dim ${enc.dim}, ${enc.patches} patches, device ${enc.device})`);
  const images = Array.from({ length: realPosts }, (_, i) => pngs[i % pngs.length] as Uint8Array);
  await benchImages(`  ${process.env.MMAUX_BENCH_IMAGE_MODEL}, batch 16`, enc, images, 1);
}

// Cache: BERT-base-sized token features (D 768, ~20-40 tokens per post) stored unpadded.
console.log('\nfeature cache (D 768 token features of 1000 posts; MB/s of float32 features returned)');
const fake: TextFeatureEncoder = {
  kind: 'text',
  spec: 'bench',
  id: 'bench:768',
  dim: 768,
  maxLength: 128,
  encode: async () => {
    throw new Error('not used');
  },
  dispose: async () => {},
};
const hashText = createTextHashEncoder({ dim: 768 });
const postTexts = tweets(1000, 7);
const feats: TextFeatures = await hashText.encode(postTexts);
const keys = postTexts.map((t, i) => textKey(`${i}:${t}`));
const featureBytes = (f: TextFeatures) => (f.mask.reduce((a, b) => a + b, 0) + f.shape.n) * f.shape.dim * 4;
const bytes = featureBytes(feats);
for (const dtype of ['float32', 'float16'] as const) {
  const root = join(work, `cache-${dtype}`);
  const t0 = performance.now();
  const writer = new FeatureCache(root, { dtype, shardBytes: 16 << 20 });
  await writer.put(fake as FeatureEncoder as TextFeatureEncoder, keys, feats);
  await writer.close();
  const writeMs = performance.now() - t0;
  const onDisk = (await new FeatureCache(root, { dtype }).stats()).bytes;
  line(`write ${dtype}: ${formatBytes(bytes)} of features → ${formatBytes(onDisk)} on disk`, writeMs, `${((bytes / 1e6 / writeMs) * 1000).toFixed(0)} MB/s`);
  const cold = await medianMs(3, async () => {
    const c = new FeatureCache(root, { dtype });
    for (let s = 0; s < keys.length; s += 64) await c.read(fake, keys.slice(s, s + 64));
    await c.close();
  });
  line(`read ${dtype}, cold (checksums verified), batches of 64`, cold, `${((bytes / 1e6 / cold) * 1000).toFixed(0)} MB/s`);
  const reader = new FeatureCache(root, { dtype });
  await reader.read(fake, keys.slice(0, 1));
  const warm = await medianMs(3, async () => {
    for (let s = 0; s < keys.length; s += 64) await reader.read(fake, keys.slice(s, s + 64));
  });
  line(`read ${dtype}, warm (shards open), batches of 64`, warm, `${((bytes / 1e6 / warm) * 1000).toFixed(0)} MB/s`);
  const shuffled = keys.map((k, i) => keys[(i * 7919) % keys.length] as string);
  const random = await medianMs(3, async () => {
    for (let s = 0; s < shuffled.length; s += 64) await reader.read(fake, shuffled.slice(s, s + 64));
  });
  line(`read ${dtype}, warm, random order`, random, `${((bytes / 1e6 / random) * 1000).toFixed(0)} MB/s`);
  // What a first-token or pooled-only model is given: one row (or none) per post instead of every token.
  for (const sequence of ['first', 'none'] as const) {
    const ms = await medianMs(3, async () => {
      for (let s = 0; s < keys.length; s += 64) await reader.read(fake, keys.slice(s, s + 64), { sequence });
    });
    line(`read ${dtype}, warm, sequence '${sequence}', batches of 64`, ms, `${(warm / ms).toFixed(1)}× the full read's speed`);
  }
  await reader.close();
}
rmSync(work, { recursive: true, force: true });
