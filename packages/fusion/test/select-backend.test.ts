import { execFile } from 'node:child_process';
import * as os from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { type BackendSelection, MmauxFusionError, selectBackend } from '../src/index.js';
import { expectClose } from './helpers.js';

const notInstalled = (name: string) =>
  Object.assign(new Error(`Cannot find package '${name}' imported from /app`), { code: 'ERR_MODULE_NOT_FOUND' });

/** An importer where only `available` load; the native packages are never really imported. */
const stub = (available: string[], broken: Record<string, string> = {}) => async (name: string) => {
  if (broken[name]) throw new Error(broken[name]);
  if (!available.includes(name)) throw notInstalled(name);
  return import(name);
};

const cores = os.availableParallelism?.() ?? os.cpus().length;

describe('selectBackend', () => {
  it("'auto' here: the native packages are not installed, so it chooses wasm and says why", async () => {
    const chosen = await selectBackend('auto');
    expect(chosen.backend).toBe('wasm');
    expect(chosen.tfjsBackend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    // threads default to the machine's cores (the wasm build runs at most 8), under Node too
    expect(chosen.requestedThreads).toBe(cores);
    expect(chosen.threads).toBe(Math.min(cores, 8));
    expect(wasm.getThreadsCount()).toBe(chosen.threads);
    expect(chosen.reason).toContain(`; ${chosen.threads} thread${chosen.threads === 1 ? '' : 's'}`);
    expect(chosen.tried.map((t) => [t.name, t.ok])).toEqual([
      ['tensorflow-gpu', false],
      ['tensorflow', false],
      ['wasm', true],
    ]);
    expect(chosen.tried[0]!.reason).toBe('@tensorflow/tfjs-node-gpu is not installed');
    expect(chosen.tried[1]!.reason).toBe('@tensorflow/tfjs-node is not installed');
    expect(chosen.reason).toMatch(/^chose wasm .*skipped tensorflow-gpu: @tensorflow\/tfjs-node-gpu is not installed; tensorflow: @tensorflow\/tfjs-node is not installed/);
  });

  it('falls back to cpu when wasm cannot load, and reports a broken native install without crashing', async () => {
    const chosen = await selectBackend('auto', {
      importModule: stub([], { '@tensorflow/tfjs-node': 'libtensorflow.so.2: cannot open shared object file\nstack…' }),
    });
    expect(chosen.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(chosen.tried.map((t) => t.reason)).toEqual([
      '@tensorflow/tfjs-node-gpu is not installed',
      '@tensorflow/tfjs-node failed to load: libtensorflow.so.2: cannot open shared object file',
      '@tensorflow/tfjs-backend-wasm is not installed',
      'the plain JavaScript backend, always available',
    ]);
  });

  it('a package that loads but registers no backend is a reason too', async () => {
    const fake = await selectBackend('auto', {
      importModule: async (name) => {
        if (name === '@tensorflow/tfjs-node-gpu') return {}; // "installed", registers nothing
        throw notInstalled(name);
      },
    });
    expect(fake.tried[0]!.reason).toMatch(/loaded but registered no 'tensorflow' backend/);
    expect(fake.backend).toBe('cpu');
  });

  it('a named backend is tried alone: available → chosen, unavailable → BACKEND_UNAVAILABLE with the reason', async () => {
    const wasm = await selectBackend('wasm');
    expect(wasm).toMatchObject({ backend: 'wasm', tried: [{ name: 'wasm', ok: true }] });
    expect(wasm.reason).toMatch(/^chose wasm as requested/);
    const err = await selectBackend('tensorflow').then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(MmauxFusionError);
    expect((err as MmauxFusionError).code).toBe('BACKEND_UNAVAILABLE');
    expect((err as Error).message).toMatch(/tensorflow backend is unavailable: @tensorflow\/tfjs-node is not installed\. Install its package/);
    expect(tf.getBackend()).toBe('wasm'); // a failed request leaves the active backend alone
    await expect(selectBackend('webgpu' as never)).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });

  it('threads must be a positive integer: INVALID_OPTION names the value, before any backend changes', async () => {
    await selectBackend('wasm');
    for (const [threads, shown] of [
      [0, 'got 0'],
      [-2, 'got -2'],
      [1.5, 'got 1.5'],
      [Number.NaN, 'got NaN'],
      [Number.POSITIVE_INFINITY, 'got Infinity'],
      ['2', 'got "2" (string)'],
      [null, 'got null (object)'],
    ] as const) {
      const err = await selectBackend('cpu', { threads: threads as never }).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(MmauxFusionError);
      expect((err as MmauxFusionError).code).toBe('INVALID_OPTION');
      expect((err as Error).message).toBe(
        `selectBackend: threads must be a positive integer (1, 2, …; the wasm backend runs at most 8), ${shown}; leave it out for the machine's cores.`,
      );
    }
    expect(tf.getBackend()).toBe('wasm');
  });

  it('cpu computes on 1 thread; a wasm backend already running keeps its count and says so', async () => {
    const cpu = await selectBackend('cpu', { threads: 4 });
    expect(cpu).toMatchObject({ backend: 'cpu', threads: 1, requestedThreads: 4 });
    const running = wasm.getThreadsCount();
    const again = await selectBackend('wasm', { threads: running + 1 });
    expect(again).toMatchObject({ backend: 'wasm', threads: running, requestedThreads: running + 1 });
    expect(again.reason).toBe(
      `chose wasm as requested (WebAssembly (SIMD) runs everywhere and is ~25× faster than cpu here); ${running} thread${running === 1 ? '' : 's'} (${running + 1} requested: the wasm backend was already running in this process, and its thread count is fixed when it starts)`,
    );
  });
});

/** What test/fixtures/wasm-threads-child.ts prints, and how its process ended. */
interface ChildRun {
  selection: BackendSelection;
  getThreadsCount: number;
  multithreadFlag: boolean;
  results: Record<string, number[]>;
  exit: { code: number | null; signal: string | null };
  stderr: string;
}

const child = fileURLToPath(new URL('./fixtures/wasm-threads-child.ts', import.meta.url));

/**
 * Runs the child with `threads` and waits for it to end on its own: it never calls process.exit,
 * so workers that kept Node alive would show as the timeout's SIGTERM.
 */
function runChild(threads: number, nodeFlags: string[] = []): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...nodeFlags, '--import', 'tsx', child, String(threads)],
      { cwd: fileURLToPath(new URL('..', import.meta.url)), timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const line = stdout.split('\n').find((l) => l.startsWith('{'));
        if (line === undefined) {
          reject(new Error(`the child (threads ${threads}) printed no result: ${err?.message ?? ''}\n${stderr}`));
          return;
        }
        const e = err as (Error & { code?: number; signal?: string }) | null;
        resolve({ ...(JSON.parse(line) as Omit<ChildRun, 'exit' | 'stderr'>), exit: { code: e?.code ?? 0, signal: e?.signal ?? null }, stderr });
      },
    );
  });
}

describe('wasm threads under Node (one process per thread count: a tfjs backend starts once)', () => {
  it('1 and 2 threads: tf.wasm reports the count, the numbers are identical, and Node exits on its own', { timeout: 180_000 }, async () => {
    const [one, two] = await Promise.all([runChild(1), runChild(2)]);
    for (const [run, n] of [[one, 1], [two, 2]] as const) {
      expect(run.exit, run.stderr).toEqual({ code: 0, signal: null });
      expect(run.getThreadsCount).toBe(n);
      expect(run.selection).toMatchObject({ backend: 'wasm', tfjsBackend: 'wasm', threads: n, requestedThreads: n });
      expect(run.selection.reason).toBe(`chose wasm as requested (WebAssembly (SIMD) runs everywhere and is ~25× faster than cpu here); ${n} thread${n === 1 ? '' : 's'}`);
    }
    expect(one.multithreadFlag).toBe(false);
    expect(two.multithreadFlag).toBe(true); // the flag tfjs-backend-wasm reports false for every Node
    expect(Object.keys(two.results)).toEqual(['matMul', 'fusedMatMul', 'batchMatMul', 'conv2d', 'softmax', 'elementwise', 'sum']);
    for (const [op, values] of Object.entries(one.results)) {
      expect(values.every(Number.isFinite), op).toBe(true);
      expect(two.results[op], op).toEqual(values); // XNNPACK splits outputs, not sums: bit for bit
    }
    // and the threaded product is the product: the same seeded inputs on the cpu backend
    const before = tf.getBackend();
    await tf.setBackend('cpu');
    const reference = tf.tidy(() => tf.matMul(tf.randomNormal([257, 384], 0, 1, 'float32', 1) as tf.Tensor2D, tf.randomNormal([384, 193], 0, 1, 'float32', 2) as tf.Tensor2D).dataSync());
    await tf.setBackend(before);
    expectClose(two.results.matMul!, reference, 1e-4, 1e-4);
  });

  it('when the threaded build cannot start it runs single-threaded, says why, and never crashes', { timeout: 120_000 }, async () => {
    // A real failure, no mock: code generation from strings off (inherited by worker threads), so
    // the pthread worker cannot evaluate its script.
    const [run, single] = await Promise.all([runChild(2, ['--disallow-code-generation-from-strings']), runChild(1)]);
    expect(run.exit, run.stderr).toEqual({ code: 0, signal: null });
    expect(run.getThreadsCount).toBe(1);
    expect(run.multithreadFlag).toBe(false);
    expect(run.selection).toMatchObject({ backend: 'wasm', threads: 1, requestedThreads: 2 });
    expect(run.selection.reason).toMatch(
      /^chose wasm as requested \(.*\); 1 thread \(2 requested: the multi-threaded build did not start: a pthread worker failed to load: Code generation from strings disallowed/,
    );
    expect(run.results).toEqual(single.results);
  });
});
