// --threads through the built binary: the wasm backend runs the count asked for, environment.json
// records it, the numbers do not depend on it, and a bad count is a usage error.
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunEnvironment } from '../src/run-files.js';
import { mmaux, TINY, workDir } from './cli-helpers.js';

describe('mmaux train --threads', () => {
  it('runs wasm with 1 or 2 threads, records them, and gives the same predictions', { timeout: 240_000 }, () => {
    const cwd = workDir();
    const runs = [1, 2].map((threads) => {
      const r = mmaux(cwd, 'train', ...TINY, '--backend', 'wasm', '--threads', String(threads), '--out', `run${threads}`);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const env = JSON.parse(readFileSync(join(cwd, `run${threads}`, 'environment.json'), 'utf8')) as RunEnvironment;
      expect(env).toMatchObject({ backend: 'wasm', threads, requestedThreads: threads });
      expect(env.backendReason).toBe(`chose wasm as requested (WebAssembly (SIMD) runs everywhere and is ~25× faster than cpu here); ${threads} thread${threads === 1 ? '' : 's'}`);
      expect(JSON.parse(readFileSync(join(cwd, `run${threads}`, 'config.json'), 'utf8')).threads).toBe(threads);
      return readFileSync(join(cwd, `run${threads}`, 'predictions-test.csv'), 'utf8');
    });
    expect(runs[1]).toBe(runs[0]);
    // the thread count is not part of what makes a run: resuming with another one is allowed
    const resumed = mmaux(cwd, 'train', ...TINY, '--backend', 'wasm', '--threads', '1', '--out', 'run2', '--resume');
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
  });

  it('defaults (null in config.json) to 1 thread for late fusion and the machine for transformers, and refuses a count that is not a positive integer', { timeout: 240_000 }, () => {
    const cwd = workDir();
    const r = mmaux(cwd, 'train', ...TINY, '--backend', 'wasm', '--out', 'default');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const cores = os.availableParallelism?.() ?? os.cpus().length;
    expect(JSON.parse(readFileSync(join(cwd, 'default', 'config.json'), 'utf8')).threads).toBe(null);
    expect(JSON.parse(readFileSync(join(cwd, 'default', 'environment.json'), 'utf8'))).toMatchObject({ threads: 1, requestedThreads: 1 });
    const transformer = mmaux(cwd, 'train', ...TINY, '--model', 'single-stream', '--epochs', '1', '--backend', 'wasm', '--out', 'transformer');
    expect(transformer.code).toBe(0);
    expect(JSON.parse(readFileSync(join(cwd, 'transformer', 'environment.json'), 'utf8'))).toMatchObject({ threads: Math.min(cores, 8), requestedThreads: cores });
    for (const bad of ['0', '1.5', 'two']) {
      const r = mmaux(cwd, 'train', ...TINY, '--threads', bad, '--out', 'bad');
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--threads: threads = ${JSON.stringify(bad)} is not valid; expected an integer ≥ 1 (or null).`);
    }
    const help = mmaux(cwd, 'train', '--help');
    expect(help.stdout).toContain('--threads N');
  });
});
