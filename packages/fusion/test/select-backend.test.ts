import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { MmauxFusionError, selectBackend } from '../src/index.js';

const notInstalled = (name: string) =>
  Object.assign(new Error(`Cannot find package '${name}' imported from /app`), { code: 'ERR_MODULE_NOT_FOUND' });

/** An importer where only `available` load; the native packages are never really imported. */
const stub = (available: string[], broken: Record<string, string> = {}) => async (name: string) => {
  if (broken[name]) throw new Error(broken[name]);
  if (!available.includes(name)) throw notInstalled(name);
  return import(name);
};

describe('selectBackend', () => {
  it("'auto' here: the native packages are not installed, so it chooses wasm and says why", async () => {
    const chosen = await selectBackend('auto');
    expect(chosen.backend).toBe('wasm');
    expect(chosen.tfjsBackend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
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
});
