// A manifest of real-format images with, at seeded random positions, a truncated JPEG, a
// truncated PNG, a text file named .jpg, an empty file and an image over the pixel limit:
// data check reports all five before training does, train runs to the end without exactly
// those posts (or with them blanked, or stops under --strict), every one listed with id, file
// and reason; the cache keeps the good images, so fixing one file re-encodes just it.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BAD_IMAGE_KINDS, type BadImageKind, badImageExtension, goodJpeg, goodPng, writeBadImage } from '../../../scripts/test-utils/bad-images.js';
import type { SkippedPost } from '../src/skips.js';
import { mmaux, workDir } from './cli-helpers.js';

const REASON: Record<BadImageKind, { reason: string; text: RegExp }> = {
  'truncated-jpeg': { reason: 'corrupt-image', text: /is corrupt or truncated and cannot be decoded/ },
  'truncated-png': { reason: 'corrupt-image', text: /is corrupt or truncated and cannot be decoded/ },
  'renamed-text': { reason: 'corrupt-image', text: /is not a JPEG, PNG, WebP or GIF file/ },
  'zero-byte': { reason: 'corrupt-image', text: /is empty \(0 bytes\)/ },
  'over-pixel-limit': { reason: 'oversized-image', text: /has 20000×20000 = 400000000 pixels, over limitInputPixels = 178956970/ },
};
const RUN = ['--dataset', 'manifest', '--data', 'data/manifest.csv', '--model', 'concat', '--hidden-dim', '16', '--epochs', '1', '--cache-dir', 'cache', '--quiet'];

let cwd: string;
/** Post index → the kind of broken image it has. */
const bad = new Map<number, BadImageKind>();
const N = 24;
const pathOf = (i: number) => join(cwd, 'data', 'images', `p${i}${bad.has(i) ? badImageExtension(bad.get(i)!) : i % 2 ? '.png' : '.jpg'}`);
const splitOf = (i: number) => (i % 6 === 4 ? 'val' : i % 6 === 5 ? 'test' : 'train');

beforeAll(async () => {
  cwd = workDir();
  // Seeded positions (an LCG, no Math.random): 5 of the 24 posts, at least one in each split.
  let x = 12345;
  const free = Array.from({ length: N }, (_, i) => i);
  for (const kind of BAD_IMAGE_KINDS) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    bad.set(free.splice(x % free.length, 1)[0]!, kind);
  }
  const lines = ['id,text,image,label,split'];
  mkdirSync(join(cwd, 'data', 'images'), { recursive: true });
  for (let i = 0; i < N; i++) {
    const file = pathOf(i);
    if (bad.has(i)) await writeBadImage(file, bad.get(i)!, i);
    else writeFileSync(file, i % 2 ? await goodPng(i) : await goodJpeg(i));
    lines.push(`p${i},post ${i} is ${['sunny', 'gloomy', 'odd'][i % 3]},${file.slice(join(cwd, 'data').length + 1)},${(i >> 1) % 2 ? 'pos' : 'neg'},${splitOf(i)}`);
  }
  writeFileSync(join(cwd, 'data', 'dataset.json'), JSON.stringify({ classes: ['neg', 'pos'] }));
  writeFileSync(join(cwd, 'data', 'manifest.csv'), `${lines.join('\n')}\n`);
});

const badIds = () => [...bad.keys()].sort((a, b) => a - b).map((i) => `p${i}`);

function expectListed(skipped: SkippedPost[], outcome: 'skipped' | 'blanked'): void {
  expect(skipped.map((s) => s.id).sort()).toEqual(badIds().sort());
  for (const s of skipped) {
    const i = Number(s.id.slice(1));
    const kind = bad.get(i)!;
    expect(s).toMatchObject({ stage: 'extract', outcome, reason: REASON[kind].reason, path: pathOf(i) });
    expect(s.message).toContain(`post ${s.id} `);
    expect(s.message).toContain(pathOf(i));
    expect(s.message).toMatch(REASON[kind].text);
    expect(s.message).not.toContain('<bytes>');
  }
}

describe('bad images in a manifest of real images', () => {
  it('data check decodes every image and reports all five with post id, file and reason (exit 3); --quick reads headers only', () => {
    const r = mmaux(cwd, 'data', 'check', 'manifest', '--data', 'data/manifest.csv', '--json');
    expect(r.code).toBe(3);
    const j = JSON.parse(r.stdout);
    expect(j.images.ok).toBe(N - 5);
    expect(j.images.issues.map((i: { id: string }) => i.id)).toEqual(badIds());
    for (const issue of j.images.issues as Array<{ id: string; path: string; message: string }>) {
      const i = Number(issue.id.slice(1));
      expect(issue.path).toBe(pathOf(i));
      expect(issue.message).toMatch(REASON[bad.get(i)!].text);
    }
    expect(r.stderr).toMatch(/check images \[#+\] 24\/24/);
    const quick = JSON.parse(mmaux(cwd, 'data', 'check', 'manifest', '--data', 'data/manifest.csv', '--quick', '--json').stdout);
    const truncated = [...bad].filter(([, k]) => k.startsWith('truncated')).map(([i]) => `p${i}`);
    expect(quick.images.issues.map((i: { id: string }) => i.id).sort()).toEqual(badIds().filter((id) => !truncated.includes(id)).sort());
  });

  it('train runs to the end without exactly those posts, one stderr line per reason, every post in --json, data.json and report.html', () => {
    const r = mmaux(cwd, 'train', ...RUN, '--out', 'run', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { trainSize: number; skipped: SkippedPost[] };
    expectListed(j.skipped, 'skipped');
    const trainBad = [...bad.keys()].filter((i) => splitOf(i) === 'train').length;
    expect(j.trainSize).toBe(Array.from({ length: N }, (_, i) => i).filter((i) => splitOf(i) === 'train').length - trainBad);
    const corrupt = badIds().filter((id) => bad.get(Number(id.slice(1))) !== 'over-pixel-limit');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^warning: corrupt-image: 4 posts skipped \\((${corrupt.join('|')})(, (${corrupt.join('|')})){3}\\)`)));
    expect(lines).toContainEqual(expect.stringMatching(/^warning: oversized-image: 1 post skipped \(p\d+\)/));
    expect(r.stderr).toContain(`every post with its reason in ${join(cwd, 'run', 'data.json')} and --json`);
    const data = JSON.parse(readFileSync(join(cwd, 'run', 'data.json'), 'utf8'));
    expect(data.skipped).toEqual(j.skipped);
    const html = readFileSync(join(cwd, 'run', 'report.html'), 'utf8');
    expect(html).toContain('Posts left out (5) or kept with a blank image (0)');
    for (const id of badIds()) expect(html).toContain(`<td>${id}</td>`);
    // The predictions cover every good test post and no bad one.
    const predicted = readFileSync(join(cwd, 'run', 'predictions-test.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]);
    expect(predicted).toEqual(Array.from({ length: N }, (_, i) => i).filter((i) => splitOf(i) === 'test' && !bad.has(i)).map((i) => `p${i}`));
  });

  it('--on-bad-image blank keeps them with a blank image, listed; --strict stops at the first, naming post and file (exit 3)', () => {
    const blank = mmaux(cwd, 'train', ...RUN, '--out', 'run-blank', '--on-bad-image', 'blank', '--json');
    expect(blank.code).toBe(0);
    const j = JSON.parse(blank.stdout) as { trainSize: number; skipped: SkippedPost[] };
    expectListed(j.skipped, 'blanked');
    expect(j.trainSize).toBe(Array.from({ length: N }, (_, i) => i).filter((i) => splitOf(i) === 'train').length);
    expect(blank.stderr).toMatch(/^warning: corrupt-image: 4 posts kept with a blank image/m);

    const strict = mmaux(cwd, 'train', ...RUN, '--out', 'run-strict', '--strict');
    expect(strict.code).toBe(3);
    // Extraction reads train, then val, then test: the first bad post in that order.
    const order = [...bad.keys()].sort((a, b) => ['train', 'val', 'test'].indexOf(splitOf(a)) - ['train', 'val', 'test'].indexOf(splitOf(b)) || a - b);
    const first = order[0]!;
    expect(strict.stderr).toContain(`mmaux train: post p${first}: image ${pathOf(first)}`);
    expect(strict.stderr).toMatch(REASON[bad.get(first)!].text);
    expect(strict.stderr).toContain('--strict stops at the first image that cannot be used');
  });

  it('extract keeps every good image cached: after fixing one file the next run encodes only it', async () => {
    const first = mmaux(cwd, 'extract', ...RUN, '--cache-dir', 'cache-x', '--json');
    expect(first.code).toBe(0);
    const a = JSON.parse(first.stdout);
    expect(a).toMatchObject({ posts: N, encoded: N - 5, computed: N + (N - 5) });
    expect((a.skipped as SkippedPost[]).map((s) => s.id).sort()).toEqual(badIds().sort());
    const fixed = [...bad].find(([, k]) => k === 'truncated-png')![0];
    writeFileSync(pathOf(fixed), await goodPng(1000 + fixed));
    const again = mmaux(cwd, 'extract', ...RUN, '--cache-dir', 'cache-x', '--json');
    expect(again.code).toBe(0);
    const b = JSON.parse(again.stdout);
    expect(b).toMatchObject({ encoded: N - 4, computed: 1 });
    expect((b.skipped as SkippedPost[]).map((s) => s.id)).not.toContain(`p${fixed}`);
    await writeBadImage(pathOf(fixed), 'truncated-png', fixed);
  });

  it('grid prints the summary once per data set and lists every post in --json and results.json', () => {
    writeFileSync(
      join(cwd, 'grid.yaml'),
      ['datasets: [{ dataset: manifest, data: data/manifest.csv }]', 'models: [concat]', 'settings: [base, +C]', 'seeds: [1]', 'epochs: 1', 'hiddenDim: 8', 'cacheDir: cache', 'testSamples: 100', 'out: study'].join('\n'),
    );
    const r = mmaux(cwd, 'grid', 'grid.yaml', '--json', '--quiet');
    expect(r.code).toBe(0);
    expect(r.stderr.match(/^warning: corrupt-image: 4 posts skipped/gm)).toHaveLength(1);
    const j = JSON.parse(r.stdout) as { skipped: Record<string, SkippedPost[]> };
    expectListed(j.skipped.manifest!, 'skipped');
    expect(JSON.parse(readFileSync(join(cwd, 'study', 'results.json'), 'utf8')).skipped).toEqual(j.skipped);
  });

  it('predict on a JSONL with a broken image reports that post and predicts the others', () => {
    const broken = [...bad.keys()][0]!;
    const good = Array.from({ length: N }, (_, i) => i).filter((i) => !bad.has(i)).slice(0, 2);
    const posts = [...good, broken].map((i) => JSON.stringify({ id: `n${i}`, text: `new post ${i}`, image: pathOf(i).slice(join(cwd, 'data').length + 1) }));
    writeFileSync(join(cwd, 'data', 'new.jsonl'), `${posts.join('\n')}\n`);
    const r = mmaux(cwd, 'predict', 'run', '--input', 'data/new.jsonl', '--json', '--quiet');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.predictions.map((p: { id: string }) => p.id)).toEqual(good.map((i) => `n${i}`));
    expect(j.skipped).toHaveLength(1);
    expect(j.skipped[0]).toMatchObject({ stage: 'extract', outcome: 'skipped', id: `n${broken}`, path: pathOf(broken), reason: REASON[bad.get(broken)!].reason });
    expect(r.stderr).toMatch(new RegExp(`^warning: ${REASON[bad.get(broken)!].reason}: 1 post skipped \\(n${broken}\\)`));
  });
});
