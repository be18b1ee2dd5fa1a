import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../src/load-dataset.js';
import { majority, multimodalLabel } from '../src/loaders/mvsa.js';
import { expectNothingLost, put, removeTempDirs, tempDir, tinyJpeg } from './helpers.js';

afterAll(removeTempDirs);

const NEUTRAL = 0;
const POSITIVE = 1;
const NEGATIVE = 2;

let single: string;
beforeAll(async () => {
  const jpg = await tinyJpeg();
  single = tempDir('mmaux-mvsa-');
  put(
    single,
    'labelResultAll.txt',
    [
      'ID\ttext,image',
      '1\tpositive,positive',
      '2\tneutral,negative',
      '3\tpositive,negative',
      '4\tnegative,neutral',
      '5\tneutral,neutral',
      '6\thappy,positive',
      '7\tpositive,neutral',
      '8\tpositive,positive',
      '',
    ].join('\n'),
  );
  // 1: UTF-8 with an emoji and a second line; 2: ISO-8859-1 bytes; 4: CRLF; 5: BOM; 8: no image.
  put(single, 'data/1.txt', 'RT @user: Great day 😀 http://t.co/a \nsecond line ignored\n');
  put(single, 'data/2.txt', Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x20, 0x63, 0x6c, 0x6f, 0x73, 0x65, 0x64, 0x0a]));
  put(single, 'data/3.txt', 'conflict\n');
  put(single, 'data/4.txt', "  can't wait \r\nmore\r\n");
  put(single, 'data/5.txt', '\uFEFFjust a photo');
  put(single, 'data/6.txt', 'x');
  put(single, 'data/8.txt', 'no picture');
  for (const id of ['1', '2', '3', '4', '5', '6', '7']) put(single, `data/${id}.jpg`, jpg);
});

describe('MVSA label rules (METHOD.md §5.2)', () => {
  it('multimodal label: equal stays, neutral takes the other, positive vs negative is dropped', () => {
    expect(multimodalLabel('positive', 'positive')).toBe('positive');
    expect(multimodalLabel('neutral', 'negative')).toBe('negative');
    expect(multimodalLabel('positive', 'neutral')).toBe('positive');
    expect(multimodalLabel('positive', 'negative')).toBeUndefined();
    expect(multimodalLabel('negative', 'positive')).toBeUndefined();
  });

  it('majority of three annotations', () => {
    expect(majority('positive', 'neutral', 'positive')).toBe('positive');
    expect(majority('neutral', 'negative', 'negative')).toBe('negative');
    expect(majority('positive', 'neutral', 'negative')).toBeUndefined();
  });
});

describe("loadDataset('mvsa-single')", () => {
  it('reads labelResultAll.txt and data/{ID}.txt|jpg row by row, decoding text properly', async () => {
    const { posts, classes, report } = await loadDataset('mvsa-single', single);
    expect(classes).toEqual(['neutral', 'positive', 'negative']);
    expect(posts.map((p) => [p.id, p.text, p.label, p.imagePath])).toEqual([
      ['1', 'RT @USER : Great day :grinning_face: HTTPURL', POSITIVE, join(single, 'data/1.jpg')],
      ['2', 'Café closed', NEGATIVE, join(single, 'data/2.jpg')],
      ['4', "can't wait", NEGATIVE, join(single, 'data/4.jpg')],
      ['5', 'just a photo', NEUTRAL, join(single, 'data/5.jpg')],
    ]);
    for (const p of posts) expect(p.text).not.toMatch(/^b['"]/);
    expect(report.filtered['conflicting-labels']?.ids).toEqual(['3']);
    expect(report.skipped['unknown-label']?.ids).toEqual(['6']);
    expect(report.skipped['missing-text']?.ids).toEqual(['7']);
    expect(report.skipped['missing-image']?.ids).toEqual(['8']);
    expect(report.read).toBe(8);
    expect(report.split.method).toBe('seeded');
    expectNothingLost(report);
  });

  it('uses valid_pairlist.txt (Cheema et al.) when it is there', async () => {
    const dir = tempDir('mvsa-pairs-');
    const jpg = await tinyJpeg();
    put(dir, 'valid_pairlist.txt', '1,1,1,1\n2,2,0,2\n3,0,0,0\n4,5,0,0\n');
    for (const id of ['1', '2', '3', '4']) {
      put(dir, `data/${id}.txt`, `text ${id}`);
      put(dir, `data/${id}.jpg`, jpg);
    }
    const { posts, report } = await loadDataset('mvsa-single', dir);
    expect(posts.map((p) => [p.id, p.label])).toEqual([
      ['1', POSITIVE],
      ['2', NEGATIVE],
      ['3', NEUTRAL],
    ]);
    expect(report.skipped['unknown-label']?.ids).toEqual(['4']);
    expect(report.warnings.join()).toMatch(/valid_pairlist\.txt/);
  });

  it('reduces the three annotations of MVSA-Multiple by majority first', async () => {
    const dir = tempDir('mvsa-multi-');
    const jpg = await tinyJpeg();
    put(
      dir,
      'labelResultAll.txt',
      [
        'ID\ttext,image\ttext,image\ttext,image',
        '10\tpositive,positive\tpositive,neutral\tneutral,positive',
        '11\tpositive,negative\tneutral,negative\tnegative,neutral',
        '12\tnegative,neutral\tnegative,neutral\tpositive,neutral',
        '13\tpositive,positive',
      ].join('\n'),
    );
    for (const id of ['10', '11', '12', '13']) {
      put(dir, `data/${id}.txt`, `post ${id}`);
      put(dir, `data/${id}.jpg`, jpg);
    }
    const { posts, report } = await loadDataset('mvsa-multiple', dir);
    expect(posts.map((p) => [p.id, p.label])).toEqual([
      ['10', POSITIVE],
      ['12', NEGATIVE],
    ]);
    expect(report.filtered['no-majority']?.ids).toEqual(['11']);
    expect(report.skipped['wrong-field-count']?.ids).toEqual(['13']);
    expectNothingLost(report);
  });
});
