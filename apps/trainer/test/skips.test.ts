// The pure pieces of bad-input handling: the per-reason summary, the class check, --output
// rules and the boolean settings.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveRunConfig } from '../src/config.js';
import { badImagePolicy } from '../src/data.js';
import { MmauxTrainerError } from '../src/errors.js';
import { runSettingsHelp } from '../src/flags.js';
import { checkOutputFile } from '../src/output-file.js';
import { createLog } from '../src/progress.js';
import { checkTrainingClasses, type SkippedPost, skipSummaryLines, withoutSkippedImages } from '../src/skips.js';

const skip = (id: string, reason: string, outcome: SkippedPost['outcome'] = 'skipped'): SkippedPost => ({ stage: 'extract', outcome, reason, id, message: `${id}: ${reason}` });

describe('skipSummaryLines', () => {
  it('one line per outcome and reason, in the order met, with the first five ids', () => {
    const list = [skip('a', 'corrupt-image'), skip('b', 'missing-image'), ...['c', 'd', 'e', 'f', 'g', 'h'].map((id) => skip(id, 'corrupt-image')), skip('z', 'corrupt-image', 'blanked')];
    expect(skipSummaryLines(list, { 'invalid-utf8': { count: 2, ids: ['u1', 'u2'], message: '' } })).toEqual([
      'corrupt-image: 7 posts skipped (a, c, d, e, f, … 2 more)',
      'missing-image: 1 post skipped (b)',
      'corrupt-image: 1 post kept with a blank image (z)',
      'invalid-utf8: 2 posts kept with a warning (u1, u2)',
    ]);
    expect(skipSummaryLines([])).toEqual([]);
  });

  it('withoutSkippedImages drops only the skipped posts, not the blanked ones', () => {
    const bad = [
      { id: 'b', index: 1, path: '/x/b.jpg', problem: 'corrupt' as const, reason: '', message: '', action: 'skipped' as const },
      { id: 'c', index: 2, path: '/x/c.jpg', problem: 'oversized' as const, reason: '', message: '', action: 'blanked' as const },
    ];
    expect(withoutSkippedImages([{ id: 'a' }, { id: 'b' }, { id: 'c' }], bad).map((p) => p.id)).toEqual(['a', 'c']);
  });
});

describe('checkTrainingClasses', () => {
  it('names a class without a training post: an error, or a warning when allowed', () => {
    const warnings: string[] = [];
    const log = createLog({ quiet: true, tty: false, write: (t) => warnings.push(t), now: () => 0 });
    const train = [{ label: 0 }, { label: 0 }];
    const others = [{ label: 1 }, { label: 2 }, { label: 2 }];
    expect(() => checkTrainingClasses(train, others, ['a', 'b', 'c'], false, log, 'tir')).toThrow(MmauxTrainerError);
    expect(() => checkTrainingClasses(train, others, ['a', 'b', 'c'], false, log, 'tir')).toThrow(/tir: classes "b" \(1 in val\/test\), "c" \(2 in val\/test\) have no training post/);
    checkTrainingClasses(train, others, ['a', 'b', 'c'], true, log, 'tir');
    expect(warnings).toEqual([expect.stringMatching(/^warning: tir: classes "b" .* have no training post \(--allow-empty-classes/)]);
    checkTrainingClasses([{ label: 0 }, { label: 1 }], [], ['a', 'b'], false, log, 'tir');
  });
});

describe('checkOutputFile', () => {
  it('needs --force for an existing file and never takes the input or a run file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmaux-out-'));
    const file = join(dir, 'p.csv');
    expect(checkOutputFile(file, { force: false })).toBe(file);
    writeFileSync(file, 'x');
    expect(() => checkOutputFile(file, { force: false })).toThrow(expect.objectContaining({ code: 'ALREADY_EXISTS' }));
    expect(checkOutputFile(file, { force: true })).toBe(file);
    expect(() => checkOutputFile(file, { force: true, input: file })).toThrow(expect.objectContaining({ code: 'BAD_CONFIG' }));
    expect(() => checkOutputFile(join(dir, 'run', 'result.json'), { force: true, runDir: join(dir, 'run') })).toThrow(/is the run's own result\.json/);
    expect(() => checkOutputFile(join(dir, 'run', 'checkpoint', 'state.json'), { force: true, runDir: join(dir, 'run') })).toThrow(/own checkpoint/);
    expect(checkOutputFile(join(dir, 'run', 'mine.csv'), { force: false, runDir: join(dir, 'run') })).toBe(join(dir, 'run', 'mine.csv'));
  });
});

describe('bad-input settings', () => {
  it('--strict and --allow-empty-classes are bare flags; onBadImage defaults to the data set rule', () => {
    expect(resolveRunConfig({}, { strict: true, allowEmptyClasses: 'true', onBadImage: 'blank' })).toMatchObject({ strict: true, allowEmptyClasses: true, onBadImage: 'blank' });
    expect(resolveRunConfig({ strict: false }, {})).toMatchObject({ strict: false, allowEmptyClasses: false, onBadImage: null });
    expect(() => resolveRunConfig({ strict: 'yes' }, {}, 'exp.yaml')).toThrow(/exp\.yaml: strict = "yes" is not valid; expected true or false/);
    expect(() => resolveRunConfig({}, { onBadImage: 'error' })).toThrow(/onBadImage = "error" is not valid; allowed: skip, blank/);
    expect(runSettingsHelp()).toMatch(/^ {2}--strict {2,}stop at the first bad row/m);
    expect(runSettingsHelp()).toMatch(/^ {2}--on-bad-image skip\|blank\|auto$/m);
    expect([badImagePolicy({ dataset: 'tir' }), badImagePolicy({ dataset: 'micd' }), badImagePolicy({ dataset: 'micd', onBadImage: 'skip' }), badImagePolicy({ onBadImage: 'blank', strict: true })]).toEqual([
      'skip',
      'blank',
      'skip',
      'error',
    ]);
  });
});
