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

describe('text that is not valid UTF-8', () => {
  it('is kept, counted and named by row in a warning', async () => {
    const latin1 = (s: string) => Buffer.from(s, 'latin1');
    const file = put(
      root,
      'latin1.csv',
      Buffer.concat([
        Buffer.from('id,text,image,label,split\nu1,plain ascii,,a,train\n'),
        latin1('u2,caf\xe9 au lait,,a,train\n'), // row 3: a Latin-1 é is not UTF-8
        Buffer.from('u3,fine ü,,b,train\n'),
        latin1('u4,na\xefve r\xe9sum\xe9,,b,test\n'), // row 5: three bad bytes
      ]),
    );
    const { posts, report } = await loadDataset('manifest', file, OPTIONS);
    expect(posts.map((p) => p.id)).toEqual(['u1', 'u2', 'u3', 'u4']);
    expect(posts[1]!.text).toBe('caf\uFFFD au lait');
    expect(report.flagged['invalid-utf8']).toMatchObject({ count: 2, ids: ['u2', 'u4'] });
    expect(report.problemRows.map((r) => [r.outcome, r.reason, r.id, r.row])).toEqual([
      ['flagged', 'invalid-utf8', 'u2', 3],
      ['flagged', 'invalid-utf8', 'u4', 5],
    ]);
    expect(report.problemRows[1]!.message).toMatch(/latin1\.csv row 5 \(id u4\): the text holds 3 U\+FFFD replacement characters .* re-save the file as UTF-8/);
    expect(report.warnings).toContainEqual(expect.stringMatching(/^2 kept posts have text that is not valid UTF-8 .*: row 3 \(id u2\), row 5 \(id u4\); re-save the file as UTF-8\.$/));
    expect(formatLoadReport(report, ['a', 'b'])).toMatch(/warning: 2 kept posts have text that is not valid UTF-8/);
    expectNothingLost(report);
  });

  it('every skipped and blanked row is in problemRows, beyond the first 20 ids of the counts', async () => {
    const lines = ['id,text,image,label'];
    for (let i = 0; i < 25; i++) lines.push(`m${i},text ${i},images/none-${i}.jpg,a`);
    const file = put(root, 'many-missing.csv', lines.join('\n'));
    const { report } = await loadDataset('manifest', file, OPTIONS);
    expect(report.skipped['missing-image']!.ids).toHaveLength(20);
    expect(report.problemRows.map((r) => r.id)).toEqual(Array.from({ length: 25 }, (_, i) => `m${i}`));
    expect(report.problemRows.every((r) => r.outcome === 'skipped' && r.reason === 'missing-image' && /does not exist/.test(r.message))).toBe(true);
    const blank = await loadDataset('manifest', file, { ...OPTIONS, onBadImage: 'blank' });
    expect(blank.report.problemRows.filter((r) => r.outcome === 'blanked')).toHaveLength(25);
  });
});
