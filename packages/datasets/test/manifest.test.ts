import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../src/load-dataset.js';
import { expectNothingLost, put, removeTempDirs, tempDir, tinyJpeg } from './helpers.js';

afterAll(removeTempDirs);

async function folderWithImages(names: string[]): Promise<string> {
  const dir = tempDir('mmaux-manifest-');
  const jpg = await tinyJpeg();
  for (const n of names) put(dir, n, jpg);
  return dir;
}

describe("loadDataset('manifest')", () => {
  it('reads a CSV manifest: images relative to it, names as labels, split and group columns', async () => {
    const dir = await folderWithImages(['img/a.jpg', 'img/b.jpg', 'c.jpg']);
    const file = put(
      dir,
      'data.csv',
      'id,text,image,label,split,group\na,"Hello, world",img/a.jpg,pos,train,g1\nb,Second post,img/b.jpg,neg,validation,g1\nc,Third,c.jpg,pos,TEST,\nd,Only words,,neg,dev,\n',
    );
    const { posts, classes, report } = await loadDataset('manifest', file);
    expect(classes).toEqual(['neg', 'pos']);
    expect(posts).toEqual([
      { id: 'a', text: 'Hello, world', imagePath: join(dir, 'img/a.jpg'), label: 1, split: 'train', groupId: 'g1' },
      { id: 'b', text: 'Second post', imagePath: join(dir, 'img/b.jpg'), label: 0, split: 'val', groupId: 'g1' },
      { id: 'c', text: 'Third', imagePath: join(dir, 'c.jpg'), label: 1, split: 'test' },
      { id: 'd', text: 'Only words', imagePath: null, label: 0, split: 'val' },
    ]);
    expect(report.split).toEqual({ method: 'file' });
    expect(report.splitSeed).toBeUndefined();
    expect(report.textOnly).toBe(1);
    expect(report.warnings.join()).toMatch(/classes taken from the labels \(sorted names\): neg, pos/);
    expectNothingLost(report);
  });

  it('reads JSONL, numeric labels give classes 0..max, and no split means a recorded seeded split', async () => {
    const dir = await folderWithImages(['x.jpg']);
    const lines = Array.from({ length: 30 }, (_, i) => JSON.stringify({ id: `p${i}`, text: `post ${i}`, image: 'x.jpg', label: i % 3 }));
    const file = put(dir, 'm.jsonl', `${lines.join('\n')}\n`);
    const a = await loadDataset('manifest', file, { seed: 9 });
    expect(a.classes).toEqual(['0', '1', '2']);
    expect(a.report.split).toEqual({ method: 'seeded', seed: 9, fractions: [0.8, 0.1, 0.1] });
    expect(a.report.splitSeed).toBe(9);
    expect(a.report.perSplit).toEqual({ train: [8, 8, 8], val: [1, 1, 1], test: [1, 1, 1] });
    // Same seed → same ids in each split, on every run and whatever the row order.
    const shuffled = put(dir, 'shuffled.jsonl', `${[...lines].reverse().join('\n')}\n`);
    const b = await loadDataset('manifest', shuffled, { seed: 9 });
    const splitOf = (ds: typeof a) => Object.fromEntries(ds.posts.map((p) => [p.id, p.split]));
    expect(splitOf(b)).toEqual(splitOf(a));
    expect(splitOf(await loadDataset('manifest', file, { seed: 10 }))).not.toEqual(splitOf(a));
  });

  it('takes the class order from options.classes, else dataset.json; labels may be names or indices', async () => {
    const dir = tempDir('mmaux-manifest-');
    const file = put(dir, 'manifest.jsonl', ['{"id":"1","text":"a","label":"dog","split":"train"}', '{"id":"2","text":"b","label":0,"split":"train"}', '{"id":"3","text":"c","label":"2","split":"test"}'].join('\n'));
    put(dir, 'dataset.json', JSON.stringify({ name: 'synthetic-x', task: 'x', seed: 0, size: 3, classes: ['cat', 'dog', 'bird'], classBalance: {} }));
    const fromJson = await loadDataset('manifest', file);
    expect(fromJson.classes).toEqual(['cat', 'dog', 'bird']);
    expect(fromJson.posts.map((p) => p.label)).toEqual([1, 0, 2]);
    expect(fromJson.report.warnings).toEqual([]);
    // A folder holding manifest.jsonl is accepted too.
    expect((await loadDataset('manifest', dir)).posts).toHaveLength(3);
    const fromOption = await loadDataset('manifest', file, { classes: ['dog', 'cat', 'bird'] });
    expect(fromOption.posts.map((p) => p.label)).toEqual([0, 0, 2]);
    const unknown = await loadDataset('manifest', file, { classes: ['dog', 'cat'] });
    expect(unknown.report.skipped['unknown-label']?.ids).toEqual(['3']);
    expect(unknown.report.skipped['unknown-label']?.message).toMatch(/label "2" is neither a class name nor an index below 2/);
  });

  it('splits only the rows without a split when some have one (mixed), with a warning', async () => {
    const dir = tempDir('mmaux-manifest-');
    const rows = Array.from({ length: 20 }, (_, i) => `r${i},text ${i},,${i % 2},${i < 5 ? 'test' : ''}`);
    const file = put(dir, 'm.csv', `id,text,image,label,split\n${rows.join('\n')}\n`);
    const { posts, report } = await loadDataset('manifest', file);
    expect(report.split).toEqual({ method: 'mixed', seed: 0, fractions: [0.8, 0.1, 0.1] });
    expect(posts.slice(0, 5).every((p) => p.split === 'test')).toBe(true);
    expect(posts.slice(5).filter((p) => p.split === 'train')).toHaveLength(12);
    expect(report.warnings.join()).toMatch(/15 rows have no split/);
  });

  it('reads a TSV manifest', async () => {
    const dir = tempDir('mmaux-manifest-');
    const file = put(dir, 'm.tsv', 'id\ttext\timage\tlabel\n1\ta, b\t\tx\n');
    const { posts } = await loadDataset('manifest', file);
    expect(posts[0]).toMatchObject({ id: '1', text: 'a, b', imagePath: null, label: 0 });
  });

  it('loads a 150,000-row manifest without opening any image (lazy: the images here are not even images)', async () => {
    const dir = tempDir('mmaux-manifest-big-');
    for (let k = 0; k < 10; k++) put(dir, `img/${k}.jpg`, 'not a jpeg');
    const n = 150_000;
    const chunks: string[] = ['id,text,image,label\n'];
    for (let i = 0; i < n; i++) chunks.push(`post-${i},"Post number ${i}, with a comma",img/${i % 10}.jpg,${i % 4 === 0 ? 'yes' : 'no'}\n`);
    const file = join(dir, 'big.csv');
    writeFileSync(file, chunks.join(''));
    const heapBefore = process.memoryUsage().heapUsed;
    const { posts, report } = await loadDataset('manifest', file, { classes: ['no', 'yes'] });
    expect(posts).toHaveLength(n);
    expect(report.kept).toBe(n);
    expect(report.perSplit.train.reduce((a, b) => a + b, 0)).toBe(120_000);
    expect(posts[149_999]).toMatchObject({ id: 'post-149999', text: 'Post number 149999, with a comma', imagePath: join(dir, 'img/9.jpg'), label: 0 });
    // The posts themselves are the memory (~150k small objects); nothing proportional to image bytes.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(400 * 1024 * 1024);
  });
});
