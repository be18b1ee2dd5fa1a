/**
 * Loader benchmarks for @mmaux/datasets (run with `pnpm bench`, i.e. `tsx bench/loaders.bench.ts`).
 * Writes each native format at its real size into a temporary folder (images as empty files:
 * loaders only look them up), loads it, and prints rows per second. Prints timings only;
 * nothing here is asserted. Each figure is the median of several runs after one warm-up run.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadDataset } from '../src/load-dataset.js';
import { seededSplit } from '../src/seeded-split.js';
import { normalizeTweet } from '../src/text/tweet-normalizer.js';
import type { DatasetName, LoadDatasetOptions } from '../src/types.js';
import { validateImages } from '../src/validate-images.js';
import { medianMs } from '../../../scripts/bench-utils/median-ms.js';

const root = mkdtempSync(join(tmpdir(), 'mmaux-bench-'));

/** A deterministic tweet-like text (no Math.random: the same files on every run). */
function tweet(i: number): string {
  const words = ['great', 'day', 'at', 'the', 'beach', 'with', 'friends', 'lol', "can't", 'wait', 'for', 'summer', 'new', 'menu', 'today'];
  const parts: string[] = [];
  for (let k = 0; k < 8 + (i % 9); k++) parts.push(words[(i * 7 + k * 13) % words.length]!);
  if (i % 3 === 0) parts.push(`@user${i % 97}`);
  if (i % 4 === 0) parts.push('http://t.co/abc');
  if (i % 5 === 0) parts.push('😂');
  if (i % 7 === 0) parts.push('&amp;', '#tbt');
  return parts.join(' ');
}

function file(dir: string, rel: string, content: string | Uint8Array = ''): void {
  const p = join(dir, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, content);
}

function touchImages(dir: string, names: string[]): void {
  mkdirSync(dir, { recursive: true });
  for (const n of names) writeFileSync(join(dir, n), '');
}

const q = (s: string) => `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;

function makeTir(n: number): string {
  const dir = join(root, 'tir');
  const lines = ['"tweet_id","user_id","tweet","text_is_represented","image_adds","image_adds_text_repr","image_adds_text_notrepr","image_notadds_text_repr","image_notadds_text_notrepr"'];
  for (let i = 0; i < n; i++) {
    const hot = [0, 1, 2, 3].map((k) => (k === i % 4 ? '"1"' : '"0"'));
    lines.push([q(String(9e17 + i)), q('u'), q(`${tweet(i)} "quoted"`), '"1"', '"0"', ...hot].join(','));
  }
  file(dir, 'textimage-data.csv', `${lines.join('\n')}\n`);
  touchImages(dir, Array.from({ length: n }, (_, i) => `T${9e17 + i}.jpg`));
  return dir;
}

function makeMvsa(n: number): string {
  const dir = join(root, 'mvsa');
  const labels = ['positive', 'neutral', 'negative'];
  const lines = ['ID\ttext,image'];
  for (let i = 1; i <= n; i++) {
    lines.push(`${i}\t${labels[i % 3]},${labels[(i * 5) % 3]}`);
    file(dir, `data/${i}.txt`, `${tweet(i)}\n`);
  }
  file(dir, 'labelResultAll.txt', `${lines.join('\n')}\n`);
  touchImages(join(dir, 'data'), Array.from({ length: n }, (_, i) => `${i + 1}.jpg`));
  return dir;
}

function makeMhp(n: number): string {
  const dir = join(root, 'mhp');
  const header = 'image_number,tweet_text,img_text,Primary_numeric_gt';
  const parts = [
    ['Train/dog_whistle_train.csv', 0, Math.floor(n * 0.8)],
    ['Validation/dog_whistle_dev.csv', Math.floor(n * 0.8), Math.floor(n * 0.9)],
    ['Test/dog_whistle_test.csv', Math.floor(n * 0.9), n],
  ] as const;
  for (const [name, from, to] of parts) {
    const rows = [header];
    for (let i = from; i < to; i++) rows.push(`${1e18 + i},"${tweet(i)}",${i % 2 ? 'OCR TEXT' : ''},${i % 4}`);
    file(dir, `Data/${name}`, `${rows.join('\n')}\n`);
  }
  touchImages(join(dir, 'Data/Images'), Array.from({ length: n }, (_, i) => `${1e18 + i}.jpg`));
  return dir;
}

function makeMsd(sizes: [number, number, number]): string {
  const dir = join(root, 'msd');
  const names = ['train.txt', 'valid2.txt', 'test2.txt'];
  const ids: string[] = [];
  let id = 0;
  sizes.forEach((n, s) => {
    const lines: string[] = [];
    for (let i = 0; i < n; i++, id++) {
      const text = `${tweet(id).replaceAll("'", "\\'")} <user> emoji_${id % 900}`;
      const sid = String(7e17 + id);
      ids.push(sid);
      lines.push(s === 0 ? `['${sid}', '${text}', ${id % 2}]` : `['${sid}', '${text}', ${id % 2}, ${id % 2}]`);
    }
    file(dir, `text/${names[s]}`, `${lines.join('\n')}\n`);
  });
  touchImages(join(dir, 'dataset_image'), ids.map((s) => `${s}.jpg`));
  return dir;
}

function makeMicd(n: number): { dir: string; textFile: string } {
  const dir = join(root, 'micd');
  const rows = ['id,domain,year,month,label,split'];
  const texts: string[] = [];
  for (let i = 0; i < n; i++) {
    const sid = String(1.4e18 + i);
    rows.push(`${sid},food,2020,1,${i % 2},${i % 10 === 0 ? 'test' : i % 10 === 1 ? 'val' : 'train'}`);
    texts.push(JSON.stringify({ id_str: sid, full_text: tweet(i) }));
  }
  file(dir, 'data_key_mic.csv', `${rows.join('\n')}\n`);
  file(dir, 'rehydrated.jsonl', `${texts.join('\n')}\n`);
  // About one post in five has no image (blank image, as the authors do).
  touchImages(join(dir, 'spc_imgs_twitter'), Array.from({ length: n }, (_, i) => i).filter((i) => i % 5 !== 0).map((i) => `${1.4e18 + i}_1.jpg`));
  return { dir, textFile: join(dir, 'rehydrated.jsonl') };
}

/** One folder of n images (1000 per subfolder) with manifest.csv and manifest.jsonl beside them. */
function makeManifestImages(n: number): string {
  const dir = join(root, 'manifest');
  const perFolder = 1000;
  for (let f = 0; f < Math.ceil(n / perFolder); f++) {
    touchImages(join(dir, 'images', String(f)), Array.from({ length: Math.min(perFolder, n - f * perFolder) }, (_, k) => `${f * perFolder + k}.jpg`));
  }
  return dir;
}

function makeManifest(dir: string, n: number, format: 'csv' | 'jsonl'): string {
  const perFolder = 1000;
  const out: string[] = [format === 'csv' ? 'id,text,image,label\n' : ''];
  for (let i = 0; i < n; i++) {
    const image = `images/${Math.floor(i / perFolder)}/${i}.jpg`;
    const label = ['cat', 'dog', 'bird'][i % 3]!;
    out.push(format === 'csv' ? `p${i},"${tweet(i).replaceAll('"', '""')}",${image},${label}\n` : `${JSON.stringify({ id: `p${i}`, text: tweet(i), image, label })}\n`);
  }
  const path = join(dir, `manifest.${format}`);
  writeFileSync(path, out.join(''));
  return path;
}

function rate(count: number, ms: number): string {
  const perSecond = (count / ms) * 1000;
  return perSecond >= 1e6 ? `${(perSecond / 1e6).toFixed(2)} M/s` : `${(perSecond / 1e3).toFixed(1)} k/s`;
}

function report(name: string, ms: number, throughput: string): void {
  console.log(`${name.padEnd(62)} ${`${ms.toFixed(0)} ms`.padStart(9)}   ${throughput}`);
}

async function benchLoad(label: string, name: DatasetName, path: string, options: LoadDatasetOptions, runs = 3): Promise<void> {
  let rows = 0;
  const ms = await medianMs(runs, async () => {
    rows = (await loadDataset(name, path, options)).report.read;
  });
  report(`${label} (${rows.toLocaleString('en')} rows)`, ms, `${rate(rows, ms)} rows`);
}

try {
  console.log(`@mmaux/datasets loader benchmarks (node ${process.version}, ${process.platform}/${process.arch})`);
  console.log('Data sets at their real sizes, images as empty files (loaders look them up, never decode).\n');
  const tir = makeTir(4471);
  const mvsa = makeMvsa(4869);
  const mhp = makeMhp(5000);
  const msd = makeMsd([19816, 2410, 2409]);
  const micd = makeMicd(14384);
  const manifestDir = makeManifestImages(150_000);
  const csv = makeManifest(manifestDir, 150_000, 'csv');
  const jsonl = makeManifest(manifestDir, 150_000, 'jsonl');

  await benchLoad("tir: textimage-data.csv, normalised", 'tir', tir, {});
  await benchLoad('mvsa-single: labelResultAll.txt + data/*.txt, normalised', 'mvsa-single', mvsa, {});
  await benchLoad('mhp: three split CSVs, normalised', 'mhp', mhp, {});
  await benchLoad('msd: Python-literal lines, normalised', 'msd', msd, {});
  await benchLoad('msd: the same, normalizeText: false', 'msd', msd, { normalizeText: false });
  await benchLoad('micd: data_key_mic.csv + JSONL texts, normalised', 'micd', micd.dir, { textFile: micd.textFile });
  await benchLoad('manifest CSV, 150k images looked up', 'manifest', csv, {}, 2);
  await benchLoad('manifest JSONL, 150k images looked up', 'manifest', jsonl, {}, 2);
  await benchLoad('manifest CSV, checkImageFiles: false', 'manifest', csv, { checkImageFiles: false }, 2);
  await benchLoad('manifest JSONL, normalizeText: true', 'manifest', jsonl, { normalizeText: true }, 2);

  console.log('');
  const texts = Array.from({ length: 20_000 }, (_, i) => tweet(i));
  const msNorm = await medianMs(3, async () => {
    for (const t of texts) normalizeTweet(t);
  });
  report('normalizeTweet, 20,000 tweets', msNorm, `${rate(texts.length, msNorm)} tweets`);
  const items = Array.from({ length: 150_000 }, (_, i) => ({ id: `p${i}`, label: i % 3 }));
  const msSplit = await medianMs(3, async () => seededSplit(items, { seed: 1 }));
  report('seededSplit, 150,000 posts, 3 classes', msSplit, `${rate(items.length, msSplit)} posts`);

  const imgDir = join(root, 'real-images');
  mkdirSync(imgDir);
  const jpg = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#3a6' } }).jpeg().toBuffer();
  const posts = Array.from({ length: 1000 }, (_, i) => {
    writeFileSync(join(imgDir, `${i}.jpg`), jpg);
    return { id: String(i), imagePath: join(imgDir, `${i}.jpg`) };
  });
  const msHead = await medianMs(3, () => validateImages(posts, { decode: 'header' }));
  report('validateImages, 1,000 JPEGs 320×240, headers', msHead, `${rate(posts.length, msHead)} images`);
  const msFull = await medianMs(3, () => validateImages(posts, { decode: 'full' }));
  report("validateImages, 1,000 JPEGs 320×240, decode: 'full'", msFull, `${rate(posts.length, msFull)} images`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
