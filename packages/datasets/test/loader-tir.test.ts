import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MmauxDatasetError } from '../src/errors.js';
import { loadDataset } from '../src/load-dataset.js';
import { expectNothingLost, put, removeTempDirs, tempDir, tinyJpeg } from './helpers.js';

afterAll(removeTempDirs);

const HEADER = ['tweet_id', 'user_id', 'tweet', 'text_is_represented', 'image_adds', 'image_adds_text_repr', 'image_adds_text_notrepr', 'image_notadds_text_repr', 'image_notadds_text_notrepr'];
/** TIR quotes every field and escapes embedded quotes with a backslash. */
const q = (fields: string[]) => fields.map((f) => `"${f.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',');
const oneHot = (k: number) => [0, 1, 2, 3].map((i) => (i === k ? '1' : '0'));

let dir: string;
beforeAll(async () => {
  dir = tempDir('mmaux-tir-');
  const rows = [
    q(HEADER),
    q(['100', 'u1', 'Love this "view", so pretty @bob http://t.co/x', '1', '1', ...oneHot(0)]),
    q(['101', 'u2', 'Nothing to see here', '0', '0', ...oneHot(3)]),
    q(['102', 'u3', 'Line one\nline two &amp; more', '1', '0', ...oneHot(2)]),
    q(['103', 'u4', 'my image is missing', '0', '1', ...oneHot(1)]),
    q(['104', 'u5', 'two classes at once', '0', '1', '1', '1', '0', '0']),
    '"105","u6","a row that lost its last column","0","1","0","1","0"',
    q(['100', 'u7', 'same id again', '0', '1', ...oneHot(1)]),
    q(['106', 'u8', '', '0', '1', ...oneHot(1)]),
    q(['107', 'u9', 'only a PNG ¯\\_(ツ)_/¯', '0', '1', ...oneHot(1)]),
  ];
  put(dir, 'textimage-data.csv', `${rows.join('\r\n')}\r\n`);
  const jpg = await tinyJpeg();
  for (const id of ['100', '101', '102', '104', '105', '106']) put(dir, `T${id}.jpg`, jpg);
  put(dir, 'T107.png', jpg);
});

describe("loadDataset('tir')", () => {
  it('reads textimage-data.csv row by row: escaped quotes, multi-line text, one-hot labels, T{id}.jpg', async () => {
    const { posts, classes, report } = await loadDataset('tir', dir);
    expect(classes).toHaveLength(4);
    expect(classes[0]).toBe('image adds and text is represented');
    expect(posts.map((p) => [p.id, p.text, p.label, p.imagePath])).toEqual([
      ['100', 'Love this " view " , so pretty @USER HTTPURL', 0, join(dir, 'T100.jpg')],
      ['101', 'Nothing to see here', 3, join(dir, 'T101.jpg')],
      ['102', 'Line one line two & more', 2, join(dir, 'T102.jpg')],
      ['107', 'only a PNG ¯ \\ _ ( ツ ) _ / ¯', 1, join(dir, 'T107.png')],
    ]);
    for (const p of posts) expect(['train', 'val', 'test']).toContain(p.split);
    expect(report.read).toBe(9);
    expect(report.skipped['missing-image']?.ids).toEqual(['103']);
    expect(report.skipped['unknown-label']?.ids).toEqual(['104']);
    expect(report.skipped['wrong-field-count']?.ids).toEqual(['105']);
    expect(report.skipped['duplicate-id']?.ids).toEqual(['100']);
    expect(report.skipped['empty-text']?.ids).toEqual(['106']);
    expect(report.skipped['wrong-field-count']?.message).toMatch(/textimage-data\.csv row 7 \(id 105\): 8 fields where the header has 9/);
    expect(report.split).toEqual({ method: 'seeded', seed: 0, fractions: [0.8, 0.1, 0.1] });
    expect(report.splitSeed).toBe(0);
    expectNothingLost(report);
  });

  it('keeps the raw text with normalizeText: false', async () => {
    const { posts } = await loadDataset('tir', dir, { normalizeText: false });
    expect(posts[0]!.text).toBe('Love this "view", so pretty @bob http://t.co/x');
    expect(posts[2]!.text).toBe('Line one\nline two &amp; more');
  });

  it('throws on the first bad row with strict: true, naming file, row and id', async () => {
    const err = await loadDataset('tir', dir, { strict: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MmauxDatasetError);
    expect(err).toMatchObject({ code: 'BAD_IMAGE', row: 5, id: '103' });
    expect((err as Error).message).toMatch(/textimage-data\.csv row 5 \(id 103\): image not found: .*T103\.jpg.*T103\.png/);
  });

  it('draws the 3576/447/448 split of the 4471 posts (TIR class counts), stable for a seed', async () => {
    const big = tempDir('mmaux-tir-big-');
    const counts = [830, 1147, 981, 1513];
    const lines = [q(HEADER)];
    let id = 7000;
    counts.forEach((n, k) => {
      for (let i = 0; i < n; i++) lines.push(q([String(id++), 'u', `tweet number ${id}`, '0', '0', ...oneHot(k)]));
    });
    put(big, 'textimage-data.csv', `${lines.join('\n')}\n`);
    const a = await loadDataset('tir', big, { checkImageFiles: false, normalizeText: false, seed: 42 });
    const totals = (['train', 'val', 'test'] as const).map((s) => a.report.perSplit[s].reduce((x, y) => x + y, 0));
    expect(totals).toEqual([3576, 447, 448]);
    expect([0, 1, 2, 3].map((c) => a.report.perSplit.train[c]! + a.report.perSplit.val[c]! + a.report.perSplit.test[c]!)).toEqual(counts);
    const b = await loadDataset('tir', big, { checkImageFiles: false, normalizeText: false, seed: 42 });
    expect(b.posts.map((p) => p.split)).toEqual(a.posts.map((p) => p.split));
    const c = await loadDataset('tir', big, { checkImageFiles: false, normalizeText: false, seed: 43 });
    expect(c.posts.map((p) => p.split)).not.toEqual(a.posts.map((p) => p.split));
  });

  it("draws the split before looking images up: a machine missing some images gets the same split for the others", async () => {
    const d = tempDir('mmaux-tir-split-');
    const lines = [q(HEADER)];
    for (let i = 0; i < 200; i++) {
      lines.push(q([String(5000 + i), 'u', `post ${i}`, '0', '0', ...oneHot(i % 4)]));
      put(d, `T${5000 + i}.jpg`, '');
    }
    put(d, 'textimage-data.csv', lines.join('\n'));
    const all = await loadDataset('tir', d, { seed: 5 });
    expect(all.report.kept).toBe(200);
    for (const i of [3, 50, 51, 120, 199]) rmSync(join(d, `T${5000 + i}.jpg`));
    const some = await loadDataset('tir', d, { seed: 5 });
    expect(some.report.skipped['missing-image']?.count).toBe(5);
    const before = new Map(all.posts.map((p) => [p.id, p.split]));
    for (const p of some.posts) expect(p.split).toBe(before.get(p.id));
  });

  it('says what to do when the folder or file is missing', async () => {
    await expect(loadDataset('tir', join(dir, 'nope'))).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/no folder .*nope.*textimage-data\.csv/) });
    await expect(loadDataset('tir', tempDir())).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/textimage-data\.csv not found/) });
  });
});
