// ESM consumer: import resolves the package's ESM build; no other package is installed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatLoadReport, loadDataset, MmauxDatasetError, normalizeTweet, splitSizes } from '@mmaux/datasets';

const dir = mkdtempSync(join(tmpdir(), 'mmaux-consumer-'));
try {
  const file = join(dir, 'manifest.jsonl');
  const rows = Array.from({ length: 10 }, (_, i) => JSON.stringify({ id: `p${i}`, text: `post ${i}`, label: i % 2 ? 'yes' : 'no' }));
  writeFileSync(file, `${rows.join('\n')}\n{"id":"p0","text":"again","label":"no"}\n`);
  const { posts, classes, report } = await loadDataset('manifest', file, { seed: 1 });
  if (posts.length !== 10 || classes.join() !== 'no,yes') throw new Error(`ESM: loaded ${posts.length} posts, classes ${classes}`);
  if (report.skipped['duplicate-id']?.ids[0] !== 'p0') throw new Error('ESM: the duplicate id was not reported');
  if (posts.filter((p) => p.split === 'train').length !== 8) throw new Error('ESM: the seeded split is not 8/1/1');
  if (normalizeTweet('@a 😂') !== '@USER :face_with_tears_of_joy:') throw new Error(`ESM: normalizeTweet gave ${normalizeTweet('@a 😂')}`);
  if (splitSizes(4471).train !== 3576) throw new Error('ESM: splitSizes');
  try {
    await loadDataset('manifest', join(dir, 'missing.csv'));
    throw new Error('ESM: a missing manifest did not throw');
  } catch (e) {
    if (!(e instanceof MmauxDatasetError) || e.code !== 'NOT_FOUND') throw e;
  }
  console.log(`ESM import: ${formatLoadReport(report, classes).split('\n')[0]}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
