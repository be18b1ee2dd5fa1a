// Start-up: `mmaux --help`, `mmaux train --help` and `mmaux data check` load no tensor library.
// A preload records every module the CLI resolves (ESM through a resolve hook, CommonJS through
// Module._load); the test asserts which load, not how long they take (bench/startup.bench.ts).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DATASET_NAMES, generateSyntheticDataset } from '@mmaux/datasets';
import { TFJS_IMAGE_PRESETS } from '@mmaux/encoders';
import { FUSION_KINDS } from '@mmaux/fusion';
import { beforeAll, describe, expect, it } from 'vitest';
import { dataCheckCommand } from '../src/commands/data.js';
import { extractCommand } from '../src/commands/extract.js';
import { demoCommand, gridCommand } from '../src/commands/grid.js';
import { evalCommand, predictCommand } from '../src/commands/predict.js';
import { reportCommand } from '../src/commands/report.js';
import { trainCommand } from '../src/commands/train.js';
import { workerCommand } from '../src/commands/worker.js';
import { DATASET_CHOICES, IMAGE_PRESET_CHOICES, MODEL_CHOICES } from '../src/config.js';
import { CLI, mmaux, workDir } from './cli-helpers.js';

const HEAVY = /@tensorflow|tfjs|onnxruntime|@huggingface|transformers/;

let cwd: string;
let preload: string;

beforeAll(async () => {
  cwd = workDir();
  writeFileSync(
    join(cwd, 'record-hooks.mjs'),
    `import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(log, 'import ' + r.url + '\\n');
  return r;
}
`,
  );
  writeFileSync(
    join(cwd, 'record.mjs'),
    `import Module, { register } from 'node:module';
import { appendFileSync } from 'node:fs';
const log = process.env.MMAUX_LOAD_LOG;
register('./record-hooks.mjs', import.meta.url, { data: { log } });
const load = Module._load;
Module._load = function (request, parent, isMain) {
  let file = request;
  try { file = Module._resolveFilename(request, parent, isMain); } catch {}
  appendFileSync(log, 'require ' + file + '\\n');
  return load.apply(this, arguments);
};
`,
  );
  preload = pathToFileURL(join(cwd, 'record.mjs')).href;
  await generateSyntheticDataset(join(cwd, 'posts'), { task: 'sarcasm', size: 24, seed: 1, imageSize: 16 });
});

/** Runs the CLI with the recorder; the exit code, stdout and every module it resolved. */
function loadsOf(name: string, ...args: string[]): { code: number | null; stdout: string; modules: string[] } {
  const log = join(cwd, `${name}.log`);
  writeFileSync(log, '');
  const r = spawnSync(process.execPath, ['--import', preload, CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, MMAUX_LOAD_LOG: log }, timeout: 60_000 });
  const modules = readFileSync(log, 'utf8').split('\n').filter((l) => l.length > 0);
  return { code: r.status, stdout: r.stdout, modules };
}

/** Modules from a package (installed, or a workspace link to packages/). */
const packages = (modules: string[]) => modules.filter((m) => m.includes('/node_modules/') || /\/packages\/[^/]+\/dist\//.test(m));

describe('what each command loads', () => {
  it('mmaux --help and every command\'s --help load no package at all', () => {
    for (const args of [['--help'], ['train', '--help'], ['grid', '--help'], ['demo', '--help'], ['worker', '--help']]) {
      const r = loadsOf(args.join('-'), ...args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toMatch(/^Usage: mmaux/);
      // The recorder saw the CLI's own chunks, so an empty package list is not a silent recorder.
      expect(r.modules.some((m) => m.includes('/dist/cli.js'))).toBe(true);
      expect(packages(r.modules), args.join(' ')).toEqual([]);
    }
  });

  it('mmaux data check loads @mmaux/datasets and sharp, and no tensor library', () => {
    const r = loadsOf('data-check', 'data', 'check', 'manifest', '--data', 'posts/manifest.jsonl', '--quiet');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('images: 24 ok');
    expect(r.modules.some((m) => m.includes('/datasets/dist/'))).toBe(true);
    expect(r.modules.some((m) => /[\\/]sharp[\\/]/.test(m))).toBe(true);
    expect(r.modules.filter((m) => HEAVY.test(m))).toEqual([]);
    expect(r.modules.some((m) => /\/(encoders|fusion|losses)\/dist\//.test(m))).toBe(false);
  });

  it('a command that trains does load TensorFlow.js (the recorder sees it)', () => {
    const r = loadsOf('train-bad-flag', 'train', '--no-such-flag');
    expect(r.code).toBe(2);
    expect(r.modules.some((m) => m.includes('@tensorflow'))).toBe(true);
  });
});

describe('the command registry', () => {
  const commands = [demoCommand, dataCheckCommand, extractCommand, trainCommand, evalCommand, predictCommand, gridCommand, reportCommand, workerCommand];

  it("lists every command with the command's own summary, and prints its own help", () => {
    const overview = mmaux(cwd, '--help');
    expect(overview.code).toBe(0);
    for (const c of commands) {
      expect(overview.stdout, c.name).toContain(`  ${c.name.padEnd(11)} ${c.summary}\n`);
      const help = mmaux(cwd, ...c.name.split(' '), '--help');
      expect(help.code, c.name).toBe(0);
      expect(help.stdout, c.name).toBe(`${c.help}\n`);
    }
  });

  it('names an unknown command, and a group without its subcommand, with exit 2', () => {
    const unknown = mmaux(cwd, 'frobnicate');
    expect([unknown.code, unknown.stderr.split('\n')[0]]).toEqual([2, 'mmaux: unknown command "frobnicate".']);
    const group = mmaux(cwd, 'data', 'frobnicate');
    expect([group.code, group.stderr.split('\n')[0]]).toEqual([2, 'mmaux: unknown command "data frobnicate".']);
    expect(mmaux(cwd).code).toBe(2);
  });

  it("maps the packages' errors to exit codes by name and code, without importing them", () => {
    // MmauxDatasetError NOT_FOUND: bad input (3).
    const missing = mmaux(cwd, 'data', 'check', 'manifest', '--data', 'nowhere.csv');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/^mmaux data check: .*nowhere\.csv/m);
    // MmauxTrainerError BAD_CONFIG: usage (2), with --json's error object.
    const bad = mmaux(cwd, 'data', 'check', 'manifest', '--data', 'posts/manifest.jsonl', '--decode', 'half', '--json');
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toEqual({ error: { code: 'BAD_CONFIG', message: 'mmaux data check: --decode must be header or full, got "half".' } });
  });
});

describe('constants kept light', () => {
  it("MODEL_CHOICES is @mmaux/fusion's FUSION_KINDS, IMAGE_PRESET_CHOICES @mmaux/encoders' TFJS_IMAGE_PRESETS", () => {
    expect([...MODEL_CHOICES]).toEqual([...FUSION_KINDS]);
    expect([...IMAGE_PRESET_CHOICES]).toEqual(Object.keys(TFJS_IMAGE_PRESETS));
  });

  it("DATASET_CHOICES are @mmaux/datasets' data sets and synthetic", () => {
    expect([...DATASET_CHOICES]).toEqual([...DATASET_NAMES, 'synthetic']);
  });
});
