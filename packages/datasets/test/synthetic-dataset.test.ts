// generateSyntheticDataset on disk: files and their format, determinism, atomic writes, options.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectDatasetError } from './helpers.js';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../src/image/index.js';
import { loadDataset } from '../src/load-dataset.js';
import { generateSyntheticDataset, generateSyntheticPosts, SYNTHETIC_TASKS, type SyntheticTask } from '../src/synthetic/index.js';

const root = mkdtempSync(join(tmpdir(), 'mmaux-synthetic-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (name = 'ds') => join(root, `${name}-${n++}`);

interface Row {
  id: string;
  text: string;
  image: string;
  label: string;
  split: string;
}
const readManifest = (dir: string): Row[] =>
  readFileSync(join(dir, 'manifest.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Row);

/** Every file under `dir`, relative path → bytes. */
function snapshot(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
    const p = join(dir, f);
    if (f === 'images') continue;
    out.set(f, readFileSync(p));
  }
  return out;
}

describe('generateSyntheticDataset: the files', () => {
  it.each(['relation', 'sentiment', 'sarcasm'] as SyntheticTask[])('%s: images, manifest.jsonl and dataset.json agree with the result', async (task) => {
    const dir = fresh(task);
    const progress: number[] = [];
    const out = await generateSyntheticDataset(dir, { task, size: 60, seed: 5, imageSize: 64, onProgress: (p) => progress.push(p.done) });
    const classes = [...SYNTHETIC_TASKS[task].classes];
    expect(out).toMatchObject({ dir, manifestPath: join(dir, 'manifest.jsonl'), infoPath: join(dir, 'dataset.json'), classes, posts: 60 });
    expect(progress).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));

    const rows = readManifest(dir);
    expect(rows).toHaveLength(60);
    expect(readFileSync(out.manifestPath, 'utf8').endsWith('}\n')).toBe(true);
    for (const r of rows) {
      expect(Object.keys(r)).toEqual(['id', 'text', 'image', 'label', 'split']);
      expect(r.image).toBe(`images/${r.id}.png`);
      expect(classes).toContain(r.label);
      expect(['train', 'val', 'test']).toContain(r.split);
      expect(r.text.length).toBeGreaterThan(5);
      expect(r.text).not.toContain('{');
    }
    expect(new Set(rows.map((r) => r.id)).size).toBe(60);
    expect(rows.map((r) => r.id)).toEqual([...rows.map((r) => r.id)].sort());

    const counted = Object.fromEntries(classes.map((c) => [c, rows.filter((r) => r.label === c).length]));
    expect(out.classBalance).toEqual(counted);
    const splits = { train: 0, val: 0, test: 0 };
    for (const r of rows) splits[r.split as 'train']++;
    expect(out.splits).toEqual(splits);
    expect(splits).toEqual({ train: 48, val: 6, test: 6 });

    const info = JSON.parse(readFileSync(out.infoPath, 'utf8'));
    expect(info).toEqual({
      name: `synthetic-${task}`,
      task,
      seed: 5,
      size: 60,
      imageSize: 64,
      classes,
      classBalance: counted,
      splits,
      generator: '@mmaux/datasets synthetic v1',
    });

    expect(readdirSync(join(dir, 'images')).sort()).toEqual(rows.map((r) => `${r.id}.png`));
    const hashes = new Set<string>();
    for (const r of rows) {
      const bytes = readFileSync(join(dir, r.image));
      const img = await decodeImage(bytes);
      expect([img.width, img.height, img.channels]).toEqual([64, 64, 3]);
      hashes.add(bytes.toString('base64'));
    }
    expect(hashes.size).toBe(60); // noise, positions and textures: no two images alike
    expect(readdirSync(root).filter((f) => f.startsWith('.'))).toEqual([]); // no temp folders left
  });

  it('loads back through the manifest loader: classes from dataset.json, splits and images as written', async () => {
    const dir = fresh('load');
    const out = await generateSyntheticDataset(dir, { task: 'sentiment', size: 30, seed: 2, imageSize: 32 });
    const rows = readManifest(dir);
    const loaded = await loadDataset('manifest', out.manifestPath);
    expect(loaded.classes).toEqual([...SYNTHETIC_TASKS.sentiment.classes]);
    expect(loaded.report).toMatchObject({ read: 30, kept: 30, skipped: {}, warnings: [], split: { method: 'file' } });
    expect(loaded.posts.map((p) => [p.id, p.text, p.imagePath, loaded.classes[p.label], p.split])).toEqual(
      rows.map((r) => [r.id, r.text, join(dir, r.image), r.label, r.split]),
    );
  });

  it('classes are balanced by default (300 posts) and splits stratified 80/10/10', async () => {
    const dir = fresh();
    const out = await generateSyntheticDataset(dir, { task: 'relation' });
    expect(out.posts).toBe(300);
    expect(Object.values(out.classBalance)).toEqual([75, 75, 75, 75]);
    expect(out.splits).toEqual({ train: 240, val: 30, test: 30 });
    const rows = readManifest(dir);
    for (const c of out.classes) {
      const mine = rows.filter((r) => r.label === c);
      for (const [split, share] of [['train', 0.8], ['val', 0.1], ['test', 0.1]] as const) {
        expect(Math.abs(mine.filter((r) => r.split === split).length - share * mine.length)).toBeLessThanOrEqual(1);
      }
    }
    const info = JSON.parse(readFileSync(out.infoPath, 'utf8'));
    expect([info.seed, info.size, info.imageSize]).toEqual([0, 300, 96]);
  });

  it('classProportions sets the class counts exactly (largest remainder), e.g. TIR’s', () => {
    const plan = generateSyntheticPosts({ task: 'relation', size: 447, seed: 2, classProportions: [830, 1147, 981, 1513] });
    // 447 · [0.18564, 0.25654, 0.21941, 0.33840] = [82.98, 114.68, 98.08, 151.27] → floors 82+114+98+151 = 445, +1 to the two largest remainders
    expect(Object.values(plan.classBalance)).toEqual([83, 115, 98, 151]);
    const zero = generateSyntheticPosts({ task: 'sarcasm', size: 10, classProportions: [1, 0] });
    expect(zero.classBalance).toEqual({ 'not sarcastic': 10, sarcastic: 0 });
  });
});

describe('generateSyntheticDataset: determinism', () => {
  it('the same seed gives byte-identical files (whatever the concurrency); another seed different ones', async () => {
    const a = fresh();
    const b = fresh();
    const c = fresh();
    await generateSyntheticDataset(a, { task: 'sentiment', size: 40, seed: 11 });
    await generateSyntheticDataset(b, { task: 'sentiment', size: 40, seed: 11, concurrency: 1 });
    await generateSyntheticDataset(c, { task: 'sentiment', size: 40, seed: 12 });
    const sa = snapshot(a);
    const sb = snapshot(b);
    expect([...sb.keys()]).toEqual([...sa.keys()]);
    expect(sa.size).toBe(42);
    for (const [k, v] of sa) expect(v.equals(sb.get(k)!), k).toBe(true);
    const sc = snapshot(c);
    expect(sc.get('manifest.jsonl')!.equals(sa.get('manifest.jsonl')!)).toBe(false);
    const differing = [...sa.keys()].filter((k) => k.startsWith('images') && !sa.get(k)!.equals(sc.get(k)!));
    expect(differing.length).toBe(40);
  });

  it('in-memory plans are deterministic too, and tasks/seeds give different texts', () => {
    const p1 = generateSyntheticPosts({ task: 'relation', size: 50, seed: 3 });
    const p2 = generateSyntheticPosts({ task: 'relation', size: 50, seed: 3 });
    expect(JSON.stringify(p2)).toBe(JSON.stringify(p1));
    const p3 = generateSyntheticPosts({ task: 'relation', size: 50, seed: 4 });
    expect(p3.posts.map((p) => p.text)).not.toEqual(p1.posts.map((p) => p.text));
    expect(generateSyntheticPosts({ task: 'relation', size: 50, seed: -3 }).posts[0]!.text).not.toBe(p1.posts[0]!.text);
  });
});

describe('generateSyntheticDataset: writing safely', () => {
  it('refuses a non-empty dir, fills an empty one, replaces with overwrite', async () => {
    const dir = fresh();
    mkdirSync(dir);
    await generateSyntheticDataset(dir, { task: 'sarcasm', size: 10 }); // empty dir: fine
    await expectDatasetError(() => generateSyntheticDataset(dir, { task: 'sarcasm', size: 10 }), 'INVALID_OPTION', dir, 'not empty', 'overwrite: true');
    writeFileSync(join(dir, 'stale.txt'), 'old');
    const out = await generateSyntheticDataset(dir, { task: 'relation', size: 12, overwrite: true });
    expect(out.posts).toBe(12);
    expect(existsSync(join(dir, 'stale.txt'))).toBe(false);
    expect(readManifest(dir)).toHaveLength(12);
    expect(readdirSync(join(dir, 'images'))).toHaveLength(12);
    expect(readdirSync(root).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('a file in the way is INVALID_OPTION; missing parents are created', async () => {
    const f = join(root, `file-${n++}`);
    writeFileSync(f, 'x');
    await expectDatasetError(() => generateSyntheticDataset(f, { task: 'relation', size: 4, overwrite: true }), 'INVALID_OPTION', 'not a directory');
    const deep = join(fresh('parent'), 'a', 'b');
    expect((await generateSyntheticDataset(deep, { task: 'relation', size: 4 })).posts).toBe(4);
  });

  it('an interrupted run leaves nothing behind (target absent, temp folder removed)', async () => {
    const parent = fresh('interrupt');
    const dir = join(parent, 'ds');
    await expect(
      generateSyntheticDataset(dir, {
        task: 'relation',
        size: 30,
        concurrency: 1,
        onProgress: ({ done }) => {
          if (done === 5) throw new Error('stop');
        },
      }),
    ).rejects.toThrow('stop');
    expect(existsSync(dir)).toBe(false);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('validates its options', async () => {
    const dir = fresh();
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ task: 'hate' }, 'task must be one of relation, sentiment, sarcasm'],
      [{}, 'task must be one of'],
      [{ task: 'relation', size: 0 }, 'size must be an integer in [1, 1000000]'],
      [{ task: 'relation', size: 2.5 }, 'size'],
      [{ task: 'relation', seed: 0.5 }, 'seed must be an integer'],
      [{ task: 'relation', imageSize: 4 }, 'imageSize must be an integer in [8, 2048]'],
      [{ task: 'relation', concurrency: 0 }, 'concurrency'],
      [{ task: 'relation', classProportions: [1, 1] }, 'classProportions must be 4 finite non-negative numbers'],
      [{ task: 'sarcasm', classProportions: [1, -1] }, 'classProportions'],
      [{ task: 'sarcasm', classProportions: [0, 0] }, 'not all 0'],
    ];
    for (const [options, fragment] of bad) {
      await expectDatasetError(() => generateSyntheticDataset(dir, options as never), 'INVALID_OPTION', fragment);
    }
    await expectDatasetError(() => generateSyntheticDataset('', { task: 'relation' }), 'INVALID_OPTION', 'dir');
    await expectDatasetError(() => generateSyntheticPosts(undefined as never), 'INVALID_OPTION', 'options');
    expect(existsSync(dir)).toBe(false);
  });
});
