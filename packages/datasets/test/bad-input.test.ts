// Every kind of bad input gets a clear message and loses nothing: it is skipped and counted
// with its id (default), or blanked, or thrown with a stable code (strict / onBadImage: 'error').
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MmauxDatasetError } from '../src/errors.js';
import { loadDataset } from '../src/load-dataset.js';
import { formatLoadReport } from '../src/report.js';
import { expectNothingLost, jpegOf, put, removeTempDirs, tempDir, tinyJpeg } from './helpers.js';

afterAll(removeTempDirs);

let root: string;
let outside: string;
let manifest: string;

beforeAll(async () => {
  const jpg = await tinyJpeg();
  outside = tempDir('mmaux-outside-');
  put(outside, 'secret.jpg', jpg);
  root = tempDir('mmaux-bad-');
  put(root, 'images/ok.jpg', jpg);
  put(root, 'images/ok2.jpg', jpg);
  put(root, 'images/truncated.jpg', (await jpegOf(64, 64)).subarray(0, 200));
  symlinkSync(join(outside, 'secret.jpg'), join(root, 'images/link-out.jpg'));
  symlinkSync(join(root, 'images/ok.jpg'), join(root, 'images/link-in.jpg'));
  symlinkSync(outside, join(root, 'linked-dir'));
  manifest = put(
    root,
    'manifest.csv',
    [
      'id,text,image,label,split',
      'good,fine post,images/ok.jpg,a,train', // row 2
      'missing,where is it,images/none.jpg,a,train', // row 3: missing image
      'dotdot,escape,../secret.jpg,a,train', // row 4: ../ escapes
      `abs,escape,${join(outside, 'secret.jpg')},a,train`, // row 5: absolute path elsewhere
      'linkout,escape,images/link-out.jpg,a,train', // row 6: symlink to a file outside
      'linkdir,escape,linked-dir/secret.jpg,a,train', // row 7: a folder symlinked outside
      'fields,too,many,fields,here,x', // row 8: wrong number of fields
      'label,unknown label,images/ok2.jpg,zzz,train', // row 9: unknown label
      'good,duplicate,images/ok2.jpg,a,test', // row 10: duplicate id
      'empty,,images/ok2.jpg,b,train', // row 11: empty text
      'split,bad split,images/ok2.jpg,a,holdout', // row 12: unknown split
      `absin,absolute inside is fine,${join(root, 'images/ok2.jpg')},b,val`, // row 13
      'linkin,symlink inside is fine,images/link-in.jpg,b,test', // row 14
      'trunc,lazy: not decoded at load,images/truncated.jpg,b,test', // row 15
    ].join('\n'),
  );
});

const OPTIONS = { classes: ['a', 'b'] } as const;

describe('bad input in a manifest', () => {
  it("skips each bad row by default (onBadImage: 'skip'), counting it with its id and a message", async () => {
    const { posts, report } = await loadDataset('manifest', manifest, OPTIONS);
    expect(posts.map((p) => p.id)).toEqual(['good', 'absin', 'linkin', 'trunc']);
    expect(report.read).toBe(14);
    expect(report.skipped['missing-image']).toMatchObject({ count: 1, ids: ['missing'] });
    expect(report.skipped['image-escapes-root']).toMatchObject({ count: 4, ids: ['dotdot', 'abs', 'linkout', 'linkdir'] });
    expect(report.skipped['wrong-field-count']).toMatchObject({ count: 1, ids: ['fields'] });
    expect(report.skipped['unknown-label']).toMatchObject({ count: 1, ids: ['label'] });
    expect(report.skipped['duplicate-id']).toMatchObject({ count: 1, ids: ['good'] });
    expect(report.skipped['empty-text']).toMatchObject({ count: 1, ids: ['empty'] });
    expect(report.skipped['invalid-split']).toMatchObject({ count: 1, ids: ['split'] });
    expectNothingLost(report);
    // Messages name the file, the row, the id and what to do.
    const m = report.skipped;
    expect(m['missing-image']!.message).toMatch(/manifest\.csv row 3 \(id missing\): image not found: .*none\.jpg does not exist\. Skipped .* onBadImage: 'blank'/);
    expect(m['image-escapes-root']!.message).toMatch(/row 4 \(id dotdot\): image path escapes the data root: .*secret\.jpg is outside .*no "\.\.\/", no absolute paths or symbolic links elsewhere/);
    expect(m['wrong-field-count']!.message).toMatch(/row 8 \(id fields\): 6 fields where the header has 5/);
    expect(m['unknown-label']!.message).toMatch(/row 9, column label \(id label\): label "zzz" is neither a class name nor an index below 2/);
    expect(m['duplicate-id']!.message).toMatch(/row 10 \(id good\): id "good" already occurred/);
    expect(m['empty-text']!.message).toMatch(/row 11 \(id empty\): the text is empty/);
    const text = formatLoadReport(report, ['a', 'b']);
    expect(text).toMatch(/image-escapes-root: 4 \(dotdot, abs, linkout, linkdir\)/);
  });

  it("keeps posts with a blank image with onBadImage: 'blank'", async () => {
    const { posts, report } = await loadDataset('manifest', manifest, { ...OPTIONS, onBadImage: 'blank' });
    const blanks = posts.filter((p) => p.blankImage === true);
    expect(blanks.map((p) => [p.id, p.imagePath])).toEqual([
      ['missing', null],
      ['dotdot', null],
      ['abs', null],
      ['linkout', null],
      ['linkdir', null],
    ]);
    expect(report.blanked['missing-image']?.ids).toEqual(['missing']);
    expect(report.blanked['image-escapes-root']?.count).toBe(4);
    expectNothingLost(report);
  });

  it("throws at the first bad image with onBadImage: 'error'", async () => {
    const err = await loadDataset('manifest', manifest, { ...OPTIONS, onBadImage: 'error' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MmauxDatasetError);
    expect(err).toMatchObject({ code: 'BAD_IMAGE', id: 'missing', row: 3 });
  });

  it('throws with a stable code for each kind of bad row under strict: true', async () => {
    const cases: Array<[string, string]> = [
      ['x,fine,images/none.jpg,a,train', 'BAD_IMAGE'],
      ['x,fine,../secret.jpg,a,train', 'PATH_ESCAPES_ROOT'],
      ['x,fine,images/link-out.jpg,a,train', 'PATH_ESCAPES_ROOT'],
      ['x,fine,images/ok.jpg,a,train,extra', 'INVALID_ROW'],
      ['x,fine,images/ok.jpg,zzz,train', 'UNKNOWN_LABEL'],
      ['x,,images/ok.jpg,a,train', 'EMPTY_TEXT'],
      ['x,fine,images/ok.jpg,a,holdout', 'INVALID_ROW'],
      [',fine,images/ok.jpg,a,train', 'INVALID_ROW'],
    ];
    for (const [row, code] of cases) {
      const file = put(root, 'one.csv', `id,text,image,label,split\n${row}\n`);
      const err = await loadDataset('manifest', file, { ...OPTIONS, strict: true }).catch((e: unknown) => e);
      expect(err, row).toBeInstanceOf(MmauxDatasetError);
      expect((err as MmauxDatasetError).code, row).toBe(code);
      expect((err as MmauxDatasetError).row, row).toBe(2);
      expect((err as MmauxDatasetError).file, row).toBe(file);
    }
    const dup = put(root, 'dup.jsonl', '{"id":"x","text":"a","label":"a"}\n{"id":"x","text":"b","label":"a"}\n');
    await expect(loadDataset('manifest', dup, { ...OPTIONS, strict: true })).rejects.toMatchObject({ code: 'DUPLICATE_ID', id: 'x', row: 2 });
  });

  it('reports JSONL lines that are not JSON objects', async () => {
    const file = put(root, 'broken.jsonl', '{"id":"1","text":"ok","label":"a"}\n{"id":"2","text":\n[1,2]\n');
    const { posts, report } = await loadDataset('manifest', file, OPTIONS);
    expect(posts.map((p) => p.id)).toEqual(['1']);
    expect(report.skipped['invalid-row']?.count).toBe(2);
    expect(report.skipped['invalid-row']?.ids).toEqual(['row 2', 'row 3']);
    expect(report.skipped['invalid-row']?.message).toMatch(/broken\.jsonl row 2: not valid JSON/);
  });

  it('lets imageRoot widen the allowed folder', async () => {
    const file = put(root, 'abs.csv', `id,text,image,label\nabs,fine,${join(outside, 'secret.jpg')},a\n`);
    expect((await loadDataset('manifest', file, OPTIONS)).posts).toHaveLength(0);
    const { posts } = await loadDataset('manifest', file, { ...OPTIONS, imageRoot: outside });
    expect(posts.map((p) => p.imagePath)).toEqual([join(outside, 'secret.jpg')]);
  });

  it('checks options', async () => {
    await expect(loadDataset('manifest', manifest, { onBadImage: 'ignore' as 'skip' })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    await expect(loadDataset('manifest', manifest, { seed: 0.5 })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    await expect(loadDataset('manifest', manifest, { classes: ['a', 'a'] })).rejects.toThrow(/must not repeat/);
    await expect(loadDataset('nope' as 'tir', root)).rejects.toThrow(/unknown data set "nope"; use one of tir, mvsa-single/);
    const tir = tempDir();
    put(tir, 'textimage-data.csv', '"tweet_id","user_id","tweet","a","b","c","d","e","f"\n');
    await expect(loadDataset('tir', tir, { classes: ['x'] })).rejects.toThrow(/renames the data set's 4 classes .* needs 4 names, got 1/);
  });
});
