// End to end through the built binary: train writes its run directory, predict classifies new
// posts, bad command lines and data fail clearly with the documented exit codes.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EpochRecord, RunResult } from '../src/run-files.js';
import { mmaux, readJsonl, TINY, workDir } from './cli-helpers.js';

let cwd: string;
let trained: ReturnType<typeof mmaux>;

beforeAll(() => {
  cwd = workDir();
  trained = mmaux(cwd, 'train', ...TINY, '--aux', 'itc,itm', '--seed', '3', '--out', 'run', '--json');
}, 240_000);

describe('mmaux train', () => {
  it('writes every file of the run directory, with sane metrics', () => {
    expect(trained.stderr).toBe('');
    expect(trained.code).toBe(0);
    const run = join(cwd, 'run');
    for (const f of ['config.json', 'environment.json', 'data.json', 'metrics.jsonl', 'result.json', 'predictions-test.csv', 'predictions-val.csv', 'report.html', 'best-model/model.json', 'checkpoint/state.json']) {
      expect(existsSync(join(run, f)), f).toBe(true);
    }
    const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ dataset: 'synthetic', task: 'sarcasm', model: 'concat', aux: ['itc', 'itm'], seed: 3, epochs: 2, batchSize: 16, betaItc: 0.1 });
    expect(JSON.parse(readFileSync(join(run, 'environment.json'), 'utf8')).backend).toBe('wasm');

    const epochs = readJsonl<EpochRecord>(join(run, 'metrics.jsonl'));
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2]);
    for (const e of epochs) {
      for (const v of [e.train.loss, e.train.ce, e.train.itc!, e.train.itm!, e.val.loss, e.val.f1Macro]) expect(Number.isFinite(v)).toBe(true);
      expect(e.val.f1Macro).toBeGreaterThanOrEqual(0);
      expect(e.val.f1Macro).toBeLessThanOrEqual(1);
    }
    // The joint loss is the convex combination of its parts (β = 0.1 each).
    const first = epochs[0]!.train;
    expect(first.loss).toBeCloseTo(0.8 * first.ce + 0.1 * first.itc! + 0.1 * first.itm!, 4);

    const result = JSON.parse(readFileSync(join(run, 'result.json'), 'utf8')) as RunResult;
    expect(result).toMatchObject({ dataset: 'synthetic-sarcasm', model: 'concat', setting: '+C+M', seed: 3, epochs: 2, trainSize: 48, classes: ['not sarcastic', 'sarcastic'] });
    expect(result.bestEpoch).toBe(epochs.find((e) => e.best && e.val.f1Macro === Math.max(...epochs.map((x) => x.val.f1Macro)))!.epoch);
    expect(result.test.confusion.flat().reduce((a, b) => a + b, 0)).toBe(6);

    const csv = readFileSync(join(run, 'predictions-test.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('id,label,prediction,p_not sarcastic,p_sarcastic');
    expect(csv).toHaveLength(7);
    for (const line of csv.slice(1)) {
      const [, label, prediction, p0, p1] = line.split(',');
      expect(result.classes).toContain(label);
      expect(prediction).toBe(Number(p0) >= Number(p1) ? 'not sarcastic' : 'sarcastic');
      expect(Number(p0) + Number(p1)).toBeCloseTo(1, 5);
    }
    // Accuracy in result.json agrees with the predictions file.
    const right = csv.slice(1).filter((l) => l.split(',')[1] === l.split(',')[2]).length;
    expect(result.test.accuracy).toBeCloseTo(right / 6, 10);

    const json = JSON.parse(trained.stdout);
    expect(json.test.f1Macro).toBe(result.test.f1Macro);
  });

  it('refuses to overwrite a run without --force (exit 4), replaces it with --force', () => {
    const again = mmaux(cwd, 'train', ...TINY, '--out', 'run');
    expect(again.code).toBe(4);
    expect(again.stderr).toMatch(/run directory .*run already exists and is not empty; pass --force/);
    const forced = mmaux(cwd, 'train', ...TINY, '--epochs', '1', '--out', 'run', '--force');
    expect(forced.code).toBe(0);
    expect(readJsonl(join(cwd, 'run', 'metrics.jsonl'))).toHaveLength(1);
  }, 120_000);

  it('takes a YAML config file, flags winning', () => {
    writeFileSync(join(cwd, 'exp.yaml'), 'dataset: synthetic\ntask: sarcasm\nsize: 60\nmodel: gmu\nepochs: 3\nhiddenDim: 16\ncacheDir: cache/features\n');
    const r = mmaux(cwd, 'train', '--config', 'exp.yaml', '--epochs', '1', '--out', 'from-yaml', '--quiet');
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(join(cwd, 'from-yaml', 'config.json'), 'utf8'))).toMatchObject({ model: 'gmu', epochs: 1, hiddenDim: 16 });
  }, 120_000);
});

describe('mmaux predict and eval', () => {
  it('classifies new posts from a JSONL file into CSV and JSON', () => {
    const image = join(cwd, 'cache', 'data', 'synthetic-sarcasm-60', 'images', 'sarcasm-0000.png');
    expect(existsSync(image)).toBe(true);
    writeFileSync(join(cwd, 'new.jsonl'), `${JSON.stringify({ id: 'a', text: 'what a lovely day', image })}\n${JSON.stringify({ text: 'so gloomy, as always' })}\n`);
    const r = mmaux(cwd, 'predict', 'run', '--input', 'new.jsonl', '--output', 'out.csv', '--quiet');
    expect(r.code).toBe(0);
    const lines = readFileSync(join(cwd, 'out.csv'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe('id,prediction,p_not sarcastic,p_sarcastic');
    expect(lines.map((l) => l.split(',')[0])).toEqual(['id', 'a', '2']);
    const j = JSON.parse(mmaux(cwd, 'predict', 'run', '--input', 'new.jsonl', '--json', '--quiet').stdout);
    expect(j.predictions).toHaveLength(2);
    const p = j.predictions[0].probabilities;
    expect(p['not sarcastic'] + p.sarcastic).toBeCloseTo(1, 5);
  }, 120_000);

  it('names the line and field of bad input: a missing image is skipped and listed, or stops the run with --strict (exit 3)', () => {
    writeFileSync(join(cwd, 'bad.jsonl'), `${JSON.stringify({ text: 'ok' })}\n${JSON.stringify({ text: 'x', image: 'nope.png' })}\n`);
    const r = mmaux(cwd, 'predict', 'run', '--input', 'bad.jsonl', '--quiet');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => l.split(',')[0])).toEqual(['id', '1']);
    expect(r.stderr).toMatch(/^warning: missing-image: 1 post skipped \(2\)/);
    const strict = mmaux(cwd, 'predict', 'run', '--input', 'bad.jsonl', '--strict');
    expect(strict.code).toBe(3);
    expect(strict.stderr).toMatch(/bad\.jsonl line 2, field image \(id 2\): image "nope\.png" not found: .*nope\.png does not exist/);
  });

  it('eval scores a split of a finished run', () => {
    const r = mmaux(cwd, 'eval', 'run', '--split', 'val', '--json', '--quiet');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ split: 'val', posts: 6 });
    expect(j.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(6);
  }, 120_000);
});

describe('bad command lines and data', () => {
  it('a bad value names the key and the allowed values (exit 2)', () => {
    const r = mmaux(cwd, 'train', '--model', 'transformer', '--json');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--model: model = "transformer" is not valid; allowed: text-only, image-only, concat, attention, gmu, single-stream, dual-stream/);
    expect(JSON.parse(r.stdout).error.code).toBe('BAD_CONFIG');
  });

  it('an unknown config key is named with the keys there are (exit 2)', () => {
    writeFileSync(join(cwd, 'typo.yaml'), 'epoch: 3\n');
    const r = mmaux(cwd, 'train', '--config', 'typo.yaml');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/typo\.yaml: unknown key "epoch"; the keys are .*epochs/);
  });

  it('an unknown flag and a convex beta sum past 1 are usage errors', () => {
    expect(mmaux(cwd, 'train', '--epoch', '3').stderr).toMatch(/Unknown option '--epoch'/);
    const r = mmaux(cwd, 'train', '--aux', 'itc,itm', '--beta-itc', '0.6', '--beta-itm', '0.5');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/betaItc \+ betaItm must stay below 1/);
  });

  it('a missing data folder or a broken manifest is a data error (exit 3) naming the file', () => {
    const missing = mmaux(cwd, 'train', '--dataset', 'manifest', '--data', 'nowhere/manifest.csv', '--quiet');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/nowhere/);
    writeFileSync(join(cwd, 'm.csv'), 'id,text,label\n1,hello\n');
    const broken = mmaux(cwd, 'data', 'check', 'manifest', '--data', 'm.csv');
    expect(broken.code).toBe(3);
    expect(broken.stdout + broken.stderr).toMatch(/m\.csv|row 2/);
  });

  it('--help for every command, with examples', () => {
    for (const c of ['demo', 'train', 'eval', 'predict', 'grid', 'report', 'extract', 'data check']) {
      const r = mmaux(cwd, ...c.split(' '), '--help');
      expect(r.code, c).toBe(0);
      expect(r.stdout).toMatch(/^Usage: mmaux /);
      expect(r.stdout).toMatch(/Example/);
    }
    expect(mmaux(cwd, 'frobnicate').code).toBe(2);
  });
});
