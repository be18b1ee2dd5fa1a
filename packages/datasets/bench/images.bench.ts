// pnpm bench: images per second through the one image pipeline (decode → resize/crop →
// normalise → CHW) for JPEGs of typical tweet sizes, one at a time and with preprocessImages'
// concurrency, next to sharp doing decode + resize in one pass (the floor); then posts per
// second of the synthetic generator. Prints figures; asserts nothing.
// BENCH_SECONDS (default 2) sets the time per measurement.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeImage, IMAGE_RECIPES, preprocessImage, preprocessImages } from '../src/image/index.js';
import { generateSyntheticDataset, generateSyntheticPosts, type SyntheticTask } from '../src/synthetic/index.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const SIZES: Array<[number, number]> = [
  [640, 480],
  [1200, 675],
  [2048, 1536],
];

/** A photo-like JPEG: smooth gradients, shapes and noise, so decoding does real work. */
async function photo(width: number, height: number): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#2a6fb0"/><stop offset="1" stop-color="#f0c27a"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/>
    <circle cx="${width * 0.3}" cy="${height * 0.6}" r="${height * 0.25}" fill="#c0392b"/>
    <rect x="${width * 0.55}" y="${height * 0.2}" width="${width * 0.3}" height="${height * 0.5}" fill="#27ae60" transform="rotate(12 ${width * 0.7} ${height * 0.45})"/>
  </svg>`;
  const base = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer();
  let s = 12345;
  for (let i = 0; i < base.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    base[i] = Math.max(0, Math.min(255, (base[i] as number) + ((s >>> 24) % 21) - 10));
  }
  return sharp(base, { raw: { width, height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
}

/** Runs `batch` (which processes `per` images) until SECONDS have passed; returns images/s. */
async function rate(per: number, batch: () => Promise<unknown>): Promise<number> {
  await batch();
  let images = 0;
  const start = performance.now();
  while (images === 0 || performance.now() - start < SECONDS * 1000) {
    await batch();
    images += per;
  }
  return images / ((performance.now() - start) / 1000);
}

const fmt = (x: number) => x.toFixed(x < 10 ? 1 : 0).padStart(8);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mmaux-bench-'));
  try {
    console.log(`@mmaux/datasets image benchmark — sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}, ` +
      `${cpus().length} CPUs, libuv pool ${process.env.UV_THREADPOOL_SIZE ?? 4}, sharp.concurrency() ${sharp.concurrency()}`);
    console.log('images/s; files read from disk; "one pass" = sharp decode+resize in a single pipeline, to raw, no normalisation\n');
    console.log('       size | decode | vit (1) | resnet (1) | vit ×4 batch | resnet ×4 batch | one pass (1)');
    for (const [w, h] of SIZES) {
      const files = await Promise.all(
        Array.from({ length: 8 }, async (_, i) => {
          const p = join(dir, `${w}x${h}-${i}.jpg`);
          writeFileSync(p, await photo(w, h));
          return p;
        }),
      );
      const one = (fn: (p: string) => Promise<unknown>) => rate(files.length, async () => {
        for (const f of files) await fn(f);
      });
      const decode = await one((f) => decodeImage(f));
      const vit = await one((f) => preprocessImage(f, IMAGE_RECIPES.vit));
      const resnet = await one((f) => preprocessImage(f, IMAGE_RECIPES.resnet));
      const vitBatch = await rate(files.length, () => preprocessImages(files, IMAGE_RECIPES.vit, { concurrency: 4 }));
      const resnetBatch = await rate(files.length, () => preprocessImages(files, IMAGE_RECIPES.resnet, { concurrency: 4 }));
      const onePass = await one((f) =>
        sharp(f, { failOn: 'error', pages: 1 }).autoOrient().removeAlpha().resize({ width: 224, height: 224, fit: 'fill', kernel: 'linear' }).raw().toBuffer(),
      );
      console.log(
        `${`${w}×${h}`.padStart(11)} |${fmt(decode)} |${fmt(vit)} | ${fmt(resnet)}  |     ${fmt(vitBatch)} |        ${fmt(resnetBatch)} |    ${fmt(onePass)}`,
      );
    }

    console.log('\nSynthetic generator, 300 posts, 96×96 images (posts/s; "plan" = texts, labels and scenes only)');
    console.log('      task |     plan | dataset on disk');
    for (const task of ['relation', 'sentiment', 'sarcasm'] as SyntheticTask[]) {
      const plan = await rate(300, async () => generateSyntheticPosts({ task, size: 300, seed: 1 }));
      let k = 0;
      const disk = await rate(300, () => generateSyntheticDataset(join(dir, `${task}-${k++}`), { task, size: 300, seed: 1 }));
      console.log(`${task.padStart(10)} | ${fmt(plan)} | ${fmt(disk)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
