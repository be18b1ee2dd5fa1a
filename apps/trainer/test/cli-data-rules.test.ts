// Rows that would vanish quietly do not: a class without a training post is an error naming it
// (a warning with --allow-empty-classes), text that is not UTF-8 is named by row, and an
// unclosed CSV quote costs one row, reported as such — by data check and by train.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SkippedPost } from '../src/skips.js';
import { mmaux, workDir } from './cli-helpers.js';

let cwd: string;
const RUN = ['--dataset', 'manifest', '--model', 'concat', '--hidden-dim', '8', '--epochs', '1', '--cache-dir', 'cache', '--quiet'];

/** 24 text-only posts of classes a/b over train/val/test, plus `extra` lines. */
function manifest(name: string, extra: string[] = [], body?: (i: number) => string): string {
  const lines = ['id,text,image,label,split'];
  for (let i = 1; i <= 24; i++) lines.push(body?.(i) ?? `r${i},post ${i},,${i % 2 ? 'a' : 'b'},${i % 6 === 0 ? 'test' : i % 6 === 3 ? 'val' : 'train'}`);
  writeFileSync(join(cwd, name), `${[...lines, ...extra].join('\n')}\n`);
  return name;
}

beforeAll(() => {
  cwd = workDir();
  mkdirSync(join(cwd, 'ec'));
  writeFileSync(join(cwd, 'ec', 'dataset.json'), JSON.stringify({ classes: ['a', 'b', 'ironic'] }));
});

describe('a class without a training post', () => {
  it('data check and train name it; --allow-empty-classes makes it a warning', () => {
    const file = manifest('ec/manifest.csv', ['x1,only in test,,ironic,test', 'x2,only in val,,ironic,val']);
    const check = mmaux(cwd, 'data', 'check', 'manifest', '--data', file);
    expect(check.code).toBe(3);
    expect(check.stdout).toContain('class "ironic" has no training post (2 in val/test): train refuses it without --allow-empty-classes');
    const train = mmaux(cwd, 'train', ...RUN, '--data', file, '--out', 'run-empty');
    expect(train.code).toBe(3);
    expect(train.stderr).toContain('mmaux train: manifest: class "ironic" (2 in val/test) has no training post, so the model can never predict it;');
    expect(train.stderr).toContain('pass --allow-empty-classes to train anyway');
    const allowed = mmaux(cwd, 'train', ...RUN, '--data', file, '--out', 'run-allowed', '--allow-empty-classes');
    expect(allowed.code).toBe(0);
    expect(allowed.stderr).toMatch(/^warning: manifest: class "ironic" \(2 in val\/test\) has no training post \(--allow-empty-classes: training anyway/m);
  });
});

describe('text that is not valid UTF-8', () => {
  it('is named by row in data check and counted in train', () => {
    const file = manifest('latin1.csv');
    appendFileSync(join(cwd, file), Buffer.from('l1,caf\xe9 cr\xe8me,,a,train\n', 'latin1')); // row 26: Latin-1 bytes
    const check = mmaux(cwd, 'data', 'check', 'manifest', '--data', file);
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/warning: 1 kept post has text that is not valid UTF-8 .*: row 26 \(id l1\); re-save the file as UTF-8\./);
    const train = mmaux(cwd, 'train', ...RUN, '--data', file, '--out', 'run-latin1');
    expect(train.code).toBe(0);
    expect(train.stderr).toMatch(/^warning: invalid-utf8: 1 post kept with a warning \(l1\)$/m);
  });
});

describe('an unclosed quote in row 4 of 60', () => {
  it('costs that row only, reported with where it opens and what it would swallow', () => {
    const lines = Array.from({ length: 60 }, (_, k) => {
      const i = k + 1;
      const text = i === 4 ? '"this quote is never closed' : i === 10 ? '"a quoted text"' : `post ${i}`;
      return `q${i},${text},,${i % 2 ? 'a' : 'b'},${i % 6 === 0 ? 'test' : i % 6 === 3 ? 'val' : 'train'}`;
    });
    writeFileSync(join(cwd, 'quote.csv'), `id,text,image,label,split\n${lines.join('\n')}\n`);
    const check = mmaux(cwd, 'data', 'check', 'manifest', '--data', 'quote.csv', '--json');
    expect(check.code).toBe(3);
    const { report } = JSON.parse(check.stdout);
    expect([report.read, report.kept]).toEqual([60, 59]);
    expect(report.skipped['unclosed-quote']).toMatchObject({ count: 1, ids: ['q4'] });
    expect(report.skipped['unclosed-quote'].message).toMatch(/quote\.csv row 5, column text \(id q4\): the quote that opens field 2 \(text\) on line 5 .* would swallow lines 6–11/);
    const train = mmaux(cwd, 'train', ...RUN, '--data', 'quote.csv', '--out', 'run-quote', '--json');
    expect(train.code).toBe(0);
    const j = JSON.parse(train.stdout) as { skipped: SkippedPost[] };
    expect(j.skipped.map((s) => [s.stage, s.outcome, s.reason, s.id, s.row])).toEqual([['load', 'skipped', 'unclosed-quote', 'q4', 5]]);
    expect(train.stderr).toMatch(/^warning: unclosed-quote: 1 post skipped \(q4\); every post with its reason in /m);
  });
});
