import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MmauxDatasetError } from '../src/errors.js';
import { loadDataset } from '../src/load-dataset.js';
import { expectNothingLost, put, removeTempDirs, tempDir, tinyJpeg } from './helpers.js';

afterAll(removeTempDirs);

describe("loadDataset('mhp')", () => {
  it('reads the three split CSVs, joins tweet and OCR text, official splits', async () => {
    const dir = tempDir('mmaux-mhp-');
    const jpg = await tinyJpeg();
    const header = 'Unnamed: 0,image_number,tweet_text,img_text,Primary_numeric_gt';
    put(dir, 'Data/Train/dog_whistle_train.csv', `${header}\n0,1107,"Look at this, wow ",OCR WORDS,1.0\n1,1108,no ocr here,,0\n2,1109,"missing image",,3\n3,1110,bad label,,7\n`);
    put(dir, 'Data/Validation/dog_whistle_dev.csv', `${header}\n0,2201,val tweet,nan,2\n`);
    put(dir, 'Data/Test/dog_whistle_test.csv', `${header}\n0,3301,test tweet ,"meme ""text""",0\n0,3302,too,many,fields,0\n`);
    for (const id of ['1107', '1108', '1110', '2201', '3301', '3302']) put(dir, `Data/Images/${id}.jpg`, jpg);

    const { posts, classes, report } = await loadDataset('mhp', dir, { normalizeText: false });
    expect(classes).toEqual(['none', 'hateful', 'counter-speech', 'reclaimed']);
    expect(posts.map((p) => [p.id, p.text, p.label, p.split, p.imagePath])).toEqual([
      ['1107', 'Look at this, wow OCR WORDS', 1, 'train', join(dir, 'Data/Images/1107.jpg')],
      ['1108', 'no ocr here', 0, 'train', join(dir, 'Data/Images/1108.jpg')],
      ['2201', 'val tweet', 2, 'val', join(dir, 'Data/Images/2201.jpg')],
      ['3301', 'test tweet meme "text"', 0, 'test', join(dir, 'Data/Images/3301.jpg')],
    ]);
    expect(report.skipped['missing-image']?.ids).toEqual(['1109']);
    expect(report.skipped['unknown-label']?.ids).toEqual(['1110']);
    expect(report.skipped['wrong-field-count']?.ids).toEqual(['3302']);
    expect(report.split).toEqual({ method: 'official' });
    expect(report.perSplit).toEqual({ train: [1, 1, 0, 0], val: [0, 0, 1, 0], test: [1, 0, 0, 0] });
    expectNothingLost(report);

    const spaced = await loadDataset('mhp', dir, { normalizeText: false, ocrSeparator: ' ' });
    expect(spaced.posts[0]!.text).toBe('Look at this, wow  OCR WORDS');
    const normalised = await loadDataset('mhp', dir);
    expect(normalised.posts[0]!.text).toBe('Look at this , wow OCR WORDS');
  });

  it('names the split file it cannot find', async () => {
    const dir = tempDir('mmaux-mhp-');
    put(dir, 'Data/Train/dog_whistle_train.csv', 'image_number,tweet_text,img_text,Primary_numeric_gt\n');
    await expect(loadDataset('mhp', dir)).rejects.toThrow(/the val CSV not found .*dog_whistle_dev\.csv/);
  });
});

describe("loadDataset('msd')", () => {
  it('reads the Python-literal lines safely, applies the word filter, official splits', async () => {
    const dir = tempDir('mmaux-msd-');
    const jpg = await tinyJpeg();
    put(
      dir,
      'text/train.txt',
      [
        "['800000000000000001', 'this is great <user> ', 1]",
        `['800000000000000002', "it's a joke right", 0]`,
        "['800000000000000003', 'emoji_123 sunny day', 0]",
        "['800000000000000004', 'broken line'",
        "['800000000000000005', 'no image for me', 1]",
        "['800000000000000006', 'short']",
        "['800000000000000007', 'check <url> now', 0]",
        "__import__('os').getcwd()",
      ].join('\n'),
    );
    put(dir, 'text/valid2.txt', "['800000000000000010', 'nice <num> times', 0, 1]\n");
    put(dir, 'text/test2.txt', "['800000000000000020', 'sarcasm obviously', 1, 1]\n['800000000000000021', 'caf\\xc3\\xa9 time', 1, 1]\n");
    for (const id of ['01', '02', '03', '06', '07', '10', '20', '21']) put(dir, `dataset_image/8000000000000000${id}.jpg`, jpg);

    const { posts, classes, report } = await loadDataset('msd', dir);
    expect(classes).toEqual(['not sarcastic', 'sarcastic']);
    expect(posts.map((p) => [p.id, p.text, p.label, p.split])).toEqual([
      ['800000000000000001', 'this is great <user>', 1, 'train'],
      ['800000000000000003', 'emoji _123 sunny day', 0, 'train'],
      ['800000000000000010', 'nice <num> times', 1, 'val'],
      ['800000000000000021', 'café time', 1, 'test'],
    ]);
    expect(posts[0]!.imagePath).toBe(join(dir, 'dataset_image/800000000000000001.jpg'));
    expect(report.filtered['filtered-word']?.ids).toEqual(['800000000000000002', '800000000000000007', '800000000000000020']);
    expect(report.skipped['invalid-row']?.count).toBe(2);
    expect(report.skipped['invalid-row']?.message).toMatch(/train\.txt row 4: parsePythonLiteral: missing "\]"/);
    expect(report.skipped['wrong-field-count']?.ids).toEqual(['800000000000000006']);
    expect(report.skipped['missing-image']?.ids).toEqual(['800000000000000005']);
    expect(report.warnings.join()).toMatch(/1 validation\/test posts have a hashtag label that differs/);
    expectNothingLost(report);
  });
});

describe("loadDataset('micd')", () => {
  async function fixture(): Promise<string> {
    const dir = tempDir('mmaux-micd-');
    const jpg = await tinyJpeg();
    put(
      dir,
      'data_key_mic.csv',
      [
        'id,domain,year,month,label,split',
        '1400000000000000001,food,2019,5,1,train',
        '1400000000000000002,travel,2020,1,0,val',
        '1400000000000000003,tech,2020,2,0,test',
        '1400000000000000004,beauty,2021,3,1,train',
        '1400000000000000005,beauty,2021,3,1,holdout',
      ].join('\n'),
    );
    put(dir, 'spc_imgs_twitter/1400000000000000001_1.jpg', jpg);
    put(dir, 'spc_imgs_twitter/1400000000000000002_1.jpg', jpg);
    return dir;
  }

  it('joins data_key_mic.csv with a JSONL text file; a post without an image gets a blank one', async () => {
    const dir = await fixture();
    const texts = put(
      dir,
      'rehydrated.jsonl',
      [
        JSON.stringify({ id_str: '1400000000000000001', full_text: 'New menu #ad @brand' }),
        JSON.stringify({ id: '1400000000000000002', text: 'Sunset &amp; sea' }),
        JSON.stringify({ id: '1400000000000000003', text: 'No image here' }),
        JSON.stringify({ id: '1400000000000000005', text: 'odd split' }),
        'not json',
      ].join('\n'),
    );
    const { posts, report } = await loadDataset('micd', dir, { textFile: texts });
    expect(posts.map((p) => [p.id, p.text, p.label, p.split, p.imagePath, p.blankImage ?? false])).toEqual([
      ['1400000000000000001', 'New menu #ad @USER', 1, 'train', join(dir, 'spc_imgs_twitter/1400000000000000001_1.jpg'), false],
      ['1400000000000000002', 'Sunset & sea', 0, 'val', join(dir, 'spc_imgs_twitter/1400000000000000002_1.jpg'), false],
      ['1400000000000000003', 'No image here', 0, 'test', null, true],
    ]);
    expect(report.blanked['missing-image']?.ids).toEqual(['1400000000000000003']);
    expect(report.skipped['missing-text']?.ids).toEqual(['1400000000000000004']);
    expect(report.skipped['invalid-split']?.ids).toEqual(['1400000000000000005']);
    expect(report.warnings.join()).toMatch(/1 lines are not JSON objects/);
    expectNothingLost(report);
  });

  it('reads a CSV text file too, and fails on missing text with strict: true', async () => {
    const dir = await fixture();
    const texts = put(dir, 'texts.csv', 'id,text\n1400000000000000001,"hello, world"\n1400000000000000002,two\n1400000000000000003,three\n');
    const { posts } = await loadDataset('micd', dir, { textFile: texts, normalizeText: false, onBadImage: 'skip' });
    expect(posts.map((p) => [p.id, p.text])).toEqual([
      ['1400000000000000001', 'hello, world'],
      ['1400000000000000002', 'two'],
    ]);
    const err = await loadDataset('micd', dir, { textFile: texts, strict: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MmauxDatasetError);
    expect(err).toMatchObject({ code: 'NOT_FOUND', id: '1400000000000000004', row: 5 });
  });

  it('asks for the text file', async () => {
    const dir = await fixture();
    await expect(loadDataset('micd', dir)).rejects.toMatchObject({ code: 'INVALID_OPTION', message: expect.stringMatching(/pass options\.textFile/) });
    await expect(loadDataset('micd', dir, { textFile: join(dir, 'nope.csv') })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
