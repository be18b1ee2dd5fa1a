// End to end through the built binary: a 2 × 2 × 2 grid writes its tables and continues rather
// than redoes; a run killed mid-training and resumed ends exactly like an uninterrupted one.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EpochRecord, GridResults, RunResult } from '../src/run-files.js';
import { mmaux, readJsonl, startMmaux, TINY, workDir } from './cli-helpers.js';

describe('mmaux grid', () => {
  it('runs models × settings × seeds, writes the tables, and skips finished runs when re-run', () => {
    const cwd = workDir();
    writeFileSync(
      join(cwd, 'grid.yaml'),
      [
        'datasets: [{ dataset: synthetic, task: sarcasm, size: 60 }]',
        'models: [concat, gmu]',
        'settings: [base, +C+M]',
        'seeds: [1, 2]',
        'epochs: 2',
        'hiddenDim: 16',
        'cacheDir: cache/features',
        'testSamples: 200',
        'out: study',
      ].join('\n'),
    );
    const r = mmaux(cwd, 'grid', 'grid.yaml', '--json', '--quiet');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as GridResults;
    expect(out.rows.map((x) => [x.model, x.setting, x.f1Macro.n])).toEqual([
      ['concat', 'base', 2],
      ['concat', '+C+M', 2],
      ['gmu', 'base', 2],
      ['gmu', '+C+M', 2],
    ]);
    for (const row of out.rows) {
      const seeds = row.runs.map((run) => (JSON.parse(readFileSync(join(cwd, 'study', run, 'result.json'), 'utf8')) as RunResult).test.f1Macro);
      expect(row.f1Macro.mean).toBeCloseTo((seeds[0]! + seeds[1]!) / 2, 12);
      expect(row.f1Macro.std).toBeCloseTo(Math.abs(seeds[0]! - seeds[1]!) / Math.SQRT2, 12);
      if (row.setting === 'base') expect(row.pValueVsBase).toBeNull();
      else {
        expect(row.pValueVsBase).toBeGreaterThan(0);
        expect(row.pValueVsBase).toBeLessThanOrEqual(1);
      }
    }
    const md = readFileSync(join(cwd, 'study', 'results.md'), 'utf8');
    expect(md).toMatch(/### synthetic-sarcasm: Macro-F1/);
    expect(md).toMatch(/### synthetic-sarcasm: Weighted-F1/);
    expect(md).toMatch(/\| concat \|/);
    expect(readFileSync(join(cwd, 'study', 'results.csv'), 'utf8').trim().split('\n')).toHaveLength(5);
    expect(existsSync(join(cwd, 'study', 'report.html'))).toBe(true);

    const resultFile = join(cwd, 'study', out.rows[0]!.runs[0]!, 'result.json');
    const before = statSync(resultFile).mtimeMs;
    const again = mmaux(cwd, 'grid', 'grid.yaml', '--json', '--quiet');
    expect(again.code).toBe(0);
    expect(statSync(resultFile).mtimeMs).toBe(before);
    expect((JSON.parse(again.stdout) as GridResults).rows).toEqual(out.rows);
  }, 300_000);

  it('a bad grid config names the key (exit 2)', () => {
    const cwd = workDir();
    writeFileSync(join(cwd, 'g.yaml'), 'models: [concat, transformer]\n');
    const r = mmaux(cwd, 'grid', 'g.yaml');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/g\.yaml: models = .*transformer.* expected a non-empty list of text-only, image-only, concat/);
  });
});

describe('interrupt and --resume', () => {
  const settings = [...TINY, '--model', 'attention', '--epochs', '6', '--aux', 'itc,itm', '--seed', '5'];
  const strip = (r: EpochRecord) => ({ ...r, seconds: 0 });

  it('a run killed mid-training and resumed ends with the same metrics as an uninterrupted one', async () => {
    const cwd = workDir();
    const straight = mmaux(cwd, 'train', ...settings, '--out', 'straight');
    expect(straight.code).toBe(0);

    const child = startMmaux(cwd, 'train', ...settings, '--out', 'killed');
    const state = join(cwd, 'killed', 'checkpoint', 'state.json');
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        if (existsSync(state)) {
          clearInterval(poll);
          child.kill('SIGKILL');
          resolve();
        }
      }, 10);
      child.on('exit', () => {
        clearInterval(poll);
        reject(new Error('the run ended before it could be killed'));
      });
    });
    await new Promise((r) => child.on('exit', r));
    expect(existsSync(join(cwd, 'killed', 'result.json'))).toBe(false);
    const done = JSON.parse(readFileSync(state, 'utf8')).epoch as number;
    expect(done).toBeLessThan(6);

    const resumed = mmaux(cwd, 'train', '--resume', '--out', 'killed', '--quiet');
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    const a = JSON.parse(readFileSync(join(cwd, 'straight', 'result.json'), 'utf8')) as RunResult;
    const b = JSON.parse(readFileSync(join(cwd, 'killed', 'result.json'), 'utf8')) as RunResult;
    expect({ ...b, seconds: null }).toEqual({ ...a, seconds: null });
    expect(readJsonl<EpochRecord>(join(cwd, 'killed', 'metrics.jsonl')).map(strip)).toEqual(readJsonl<EpochRecord>(join(cwd, 'straight', 'metrics.jsonl')).map(strip));
    expect(readFileSync(join(cwd, 'killed', 'predictions-test.csv'), 'utf8')).toBe(readFileSync(join(cwd, 'straight', 'predictions-test.csv'), 'utf8'));
  }, 300_000);

  it('Ctrl-C stops between steps with exit 130 and leaves a resumable run', async () => {
    const cwd = workDir();
    const child = startMmaux(cwd, 'train', ...settings, '--epochs', '40', '--out', 'stopped');
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    const state = join(cwd, 'stopped', 'checkpoint', 'state.json');
    const code = await new Promise<number | null>((resolve) => {
      const poll = setInterval(() => {
        if (existsSync(state)) {
          clearInterval(poll);
          child.kill('SIGINT');
        }
      }, 10);
      child.on('exit', (c) => {
        clearInterval(poll);
        resolve(c);
      });
    });
    expect(code).toBe(130);
    expect(stderr).toMatch(/interrupted in epoch \d+; \d+ epoch\(s\) are saved — continue with --resume --out stopped/);
    const saved = JSON.parse(readFileSync(state, 'utf8')) as { epoch: number; records: EpochRecord[] };
    expect(readJsonl<EpochRecord>(join(cwd, 'stopped', 'metrics.jsonl'))).toEqual(saved.records);
  }, 300_000);
});
