// Runs the built `mmaux` binary the way a user does, in a temporary working folder.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build the trainer first (pnpm --filter @mmaux/trainer build; turbo does it before its tests).`);

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A fresh working folder. */
export function workDir(): string {
  return mkdtempSync(join(tmpdir(), 'mmaux-cli-'));
}

/** Runs `mmaux ...args` in `cwd` to completion. */
export function mmaux(cwd: string, ...args: string[]): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `mmaux ...args` in `cwd` without waiting. */
export function startMmaux(cwd: string, ...args: string[]) {
  return spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The lines of a JSONL file, parsed. */
export function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as T);
}

/** Small, fast settings: a 60-post synthetic sarcasm set, concat model, 2 epochs. */
export const TINY = ['--dataset', 'synthetic', '--task', 'sarcasm', '--size', '60', '--model', 'concat', '--hidden-dim', '32', '--epochs', '2', '--cache-dir', 'cache/features', '--quiet'];
