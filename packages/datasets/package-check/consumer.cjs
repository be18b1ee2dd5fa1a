// CJS consumer: require() resolves the package's CommonJS build.
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { loadDataset, MmauxDatasetError, normalizeTweet, parseCsv } = require('@mmaux/datasets');

(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mmaux-consumer-'));
  try {
    const file = join(dir, 'manifest.csv');
    writeFileSync(file, 'id,text,image,label,split\n1,"hello, world",,0,train\n2,bye,,1,test\n3,,,1,val\n');
    const { posts, classes, report } = await loadDataset('manifest', file);
    if (posts.length !== 2 || classes.join() !== '0,1') throw new Error(`CJS: loaded ${posts.length} posts, classes ${classes}`);
    if (posts[0].text !== 'hello, world' || posts[0].imagePath !== null) throw new Error(`CJS: first post ${JSON.stringify(posts[0])}`);
    if (report.skipped['empty-text'].ids[0] !== '3') throw new Error('CJS: the empty text was not reported');
    if (normalizeTweet("I can't") !== "I can't") throw new Error('CJS: normalizeTweet');
    // entities is ES modules only; the CommonJS build carries its own copy of the decoder.
    if (normalizeTweet('Fish &amp; chips') !== 'Fish & chips') throw new Error('CJS: HTML entities');
    if (parseCsv('"a \\"b\\""', { backslashEscapes: true })[0].fields[0] !== 'a "b"') throw new Error('CJS: parseCsv');
    try {
      await loadDataset('manifest', file, { strict: true });
      throw new Error('CJS: strict did not throw on the empty text');
    } catch (e) {
      if (!(e instanceof MmauxDatasetError) || e.code !== 'EMPTY_TEXT' || e.row !== 4) throw e;
    }
    console.log(`CJS require: kept ${report.kept} of ${report.read}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
