// `mmaux predict` does not trust its input: image paths must stay inside the input file's folder
// (or --data-root). "../", absolute paths elsewhere and symbolic links leading out are refused per
// post with the reason and never read (a sentinel file's bytes appear in no output); --output
// never replaces a file without --force, nor the input or the run's own files.
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SkippedPost } from '../src/skips.js';
import { type CliResult, mmaux, TINY, workDir } from './cli-helpers.js';

const SENTINEL = 'MMAUX-SENTINEL-7f3a9c2e-do-not-read';
const hex = (s: string) => Array.from(Buffer.from(s).subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');

let cwd: string;
const ESCAPES = ['dotdot', 'dotdot-png', 'abs', 'abs-png', 'link-png', 'link-txt', 'link-dir', 'passwd'];

/** No output of `r` (nor `files`) holds the sentinel or /etc/passwd, raw or as the hex dump of its first bytes. */
function expectNothingLeaked(r: CliResult, ...files: string[]): void {
  for (const text of [r.stdout, r.stderr, ...files.map((f) => readFileSync(f, 'utf8'))]) {
    for (const secret of [SENTINEL, hex(SENTINEL), 'root:x:0', hex('root:x:0')]) expect(text).not.toContain(secret);
  }
}

beforeAll(() => {
  cwd = workDir();
  expect(mmaux(cwd, 'train', ...TINY, '--epochs', '1', '--out', 'run').code).toBe(0);
  const image = join(cwd, 'cache', 'data', 'synthetic-sarcasm-60', 'images', 'sarcasm-0000.png');
  mkdirSync(join(cwd, 'outside'));
  writeFileSync(join(cwd, 'outside', 'secret.txt'), SENTINEL);
  copyFileSync(image, join(cwd, 'outside', 'secret.png')); // a valid image: reading it would classify it
  mkdirSync(join(cwd, 'posts'));
  copyFileSync(image, join(cwd, 'posts', 'ok.png'));
  symlinkSync(join(cwd, 'outside', 'secret.png'), join(cwd, 'posts', 'link-out.png'));
  symlinkSync('../outside/secret.txt', join(cwd, 'posts', 'link-txt.jpg'));
  symlinkSync(join(cwd, 'outside'), join(cwd, 'posts', 'linkdir'));
  const posts: Array<[string, string]> = [
    ['good', 'ok.png'],
    ['dotdot', '../outside/secret.txt'],
    ['dotdot-png', '../outside/secret.png'],
    ['abs', join(cwd, 'outside', 'secret.txt')],
    ['abs-png', join(cwd, 'outside', 'secret.png')],
    ['link-png', 'link-out.png'],
    ['link-txt', 'link-txt.jpg'],
    ['link-dir', 'linkdir/secret.txt'],
    ['passwd', '../../../../../../../../etc/passwd'],
  ];
  writeFileSync(join(cwd, 'posts', 'new.jsonl'), `${posts.map(([id, image]) => JSON.stringify({ id, text: `post ${id}`, image })).join('\n')}\n`);
  writeFileSync(join(cwd, 'posts', 'new.csv'), `id,text,image\n${posts.map(([id, image]) => `${id},post ${id},${image}`).join('\n')}\n`);
});

describe('predict reads nothing outside its data root', () => {
  it('refuses ../, absolute and symlinked paths per post with the reason, never reading them, and predicts the rest', () => {
    for (const input of ['posts/new.jsonl', 'posts/new.csv']) {
      const r = mmaux(cwd, 'predict', 'run', '--input', input, '--json', '--quiet');
      expect(r.code, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout) as { predictions: { id: string }[]; skipped: SkippedPost[] };
      expect(j.predictions.map((p) => p.id)).toEqual(['good']);
      expect(j.skipped.map((s) => [s.id, s.stage, s.outcome, s.reason])).toEqual(ESCAPES.map((id) => [id, 'input', 'skipped', 'image-escapes-root']));
      for (const s of j.skipped) {
        expect(s.message).toContain('was refused and not read');
        expect(s.message).toContain(`images must be inside ${join(cwd, 'posts')}`);
        // JSONL lines count from 1 ("good" is line 1); CSV rows count the header as row 1
        expect(s.row).toBe(ESCAPES.indexOf(s.id) + (input.endsWith('.csv') ? 3 : 2));
      }
      expect(j.skipped.find((s) => s.id === 'link-png')!.message).toContain(`resolves to ${join(cwd, 'outside', 'secret.png')}, outside ${join(cwd, 'posts')}`);
      expect(r.stderr).toMatch(/^warning: image-escapes-root: 8 posts skipped \(dotdot, dotdot-png, abs, abs-png, link-png, … 3 more\); every post with its reason in --json$/m);
      expectNothingLeaked(r);
    }
  });

  it('--strict stops at the first refused post (exit 3); blank keeps them with a blank image, still unread', () => {
    const strict = mmaux(cwd, 'predict', 'run', '--input', 'posts/new.jsonl', '--strict', '--quiet');
    expect(strict.code).toBe(3);
    expect(strict.stderr).toMatch(/^mmaux predict: posts\/new\.jsonl line 2, field image \(id dotdot\): image "\.\.\/outside\/secret\.txt" was refused and not read: .* --strict stops at the first such post/);
    expectNothingLeaked(strict);
    const blank = mmaux(cwd, 'predict', 'run', '--input', 'posts/new.jsonl', '--on-bad-image', 'blank', '--json', '--quiet');
    expect(blank.code).toBe(0);
    const j = JSON.parse(blank.stdout) as { predictions: { id: string }[]; skipped: SkippedPost[] };
    expect(j.predictions.map((p) => p.id)).toEqual(['good', ...ESCAPES]);
    expect(j.skipped.every((s) => s.outcome === 'blanked' && s.message.endsWith('Kept with a blank image (--on-bad-image blank).'))).toBe(true);
    expectNothingLeaked(blank);
  });

  it('--data-root widens the allowed folder', () => {
    const r = mmaux(cwd, 'predict', 'run', '--input', 'posts/new.jsonl', '--data-root', join(cwd, 'outside', '..'), '--json', '--quiet');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { predictions: { id: string }[]; skipped: SkippedPost[] };
    expect(j.predictions.map((p) => p.id)).toEqual(['good', 'dotdot-png', 'abs-png', 'link-png']);
    // inside the root now, but not images: read, and skipped as corrupt (the text file) or refused (/etc/passwd)
    expect(j.skipped.map((s) => [s.id, s.reason])).toEqual([
      ['passwd', 'image-escapes-root'],
      ['dotdot', 'corrupt-image'],
      ['abs', 'corrupt-image'],
      ['link-txt', 'corrupt-image'],
      ['link-dir', 'corrupt-image'],
    ]);
  });
});

describe('predict --output', () => {
  it('refuses to replace an existing file without --force (exit 4), replaces it with --force', () => {
    const out = join(cwd, 'preds.csv');
    writeFileSync(out, 'keep me\n');
    const r = mmaux(cwd, 'predict', 'run', '--input', 'posts/new.jsonl', '--output', 'preds.csv', '--quiet');
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`mmaux predict: --output ${out} already exists; pass --force to replace it, or choose another file.`);
    expect(readFileSync(out, 'utf8')).toBe('keep me\n');
    const forced = mmaux(cwd, 'predict', 'run', '--input', 'posts/new.jsonl', '--output', 'preds.csv', '--force', '--quiet');
    expect(forced.code).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n').map((l) => l.split(',')[0])).toEqual(['id', 'good']);
    expectNothingLeaked(forced, out);
  });

  it("never replaces the run's own files or the input, even with --force (exit 2)", () => {
    const result = readFileSync(join(cwd, 'run', 'result.json'), 'utf8');
    for (const target of ['run/result.json', 'run/best-model/model.json', 'posts/new.jsonl']) {
      const r = mmaux(cwd, 'predict', 'run', '--input', 'posts/new.jsonl', '--output', target, '--force', '--quiet');
      expect(r.code, target).toBe(2);
      expect(r.stderr).toMatch(/write the predictions somewhere else/);
    }
    expect(readFileSync(join(cwd, 'run', 'result.json'), 'utf8')).toBe(result);
  });
});
