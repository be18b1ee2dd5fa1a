// The browser page: starts the backend named in the query (?backend=wasm|webgl|cpu, ?threads=N),
// runs the scenario once per ?seed= (repeated) on the ?kind= kinds (repeated; all when none) and
// leaves the result in `window.__result`.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import { createFusionModel, type FusionKind, loadFusionModel, MmauxFusionError, selectBackend } from '@mmaux/fusion';
import { runScenario } from './scenario.js';
import type { PageReport, WasmModuleCompiles } from './page-result.js';

/**
 * Counts the synchronous `new WebAssembly.Module(bytes)` compiles (how @mmaux/fusion builds its
 * SIMD kernels) and their failures: a failure means the page ran on the package's tfjs-op
 * fallback instead, which the test reports. tfjs-backend-wasm itself compiles asynchronously.
 */
function watchModuleCompiles(): WasmModuleCompiles {
  const seen: WasmModuleCompiles = { compiled: 0, failures: [] };
  const original = WebAssembly.Module;
  WebAssembly.Module = new Proxy(original, {
    construct(target, args: [BufferSource]) {
      try {
        const module = new target(...args);
        seen.compiled++;
        return module;
      } catch (err) {
        seen.failures.push((err as Error).message);
        throw err;
      }
    },
  });
  return seen;
}

/** What `FusionModel.save` / `loadFusionModel` do without node:fs. */
async function fileApiError(run: () => Promise<unknown>): Promise<{ code: string; message: string } | null> {
  try {
    await run();
    return null;
  } catch (err) {
    return { code: err instanceof MmauxFusionError ? err.code : `not a MmauxFusionError: ${String(err)}`, message: (err as Error).message };
  }
}

async function main(): Promise<PageReport> {
  const query = new URL(location.href).searchParams;
  const backend = query.get('backend') ?? 'wasm';
  const seeds = query.getAll('seed').map(Number);
  const kinds = query.getAll('kind') as FusionKind[];
  const compiles = watchModuleCompiles();
  // The .wasm files are served next to the page (tfjs-backend-wasm's dist/ files, unchanged).
  wasm.setWasmPaths(new URL('/wasm/', location.href).href);
  let selection: PageReport['selection'] = null;
  if (backend === 'wasm') {
    // A bundle cannot follow selectBackend's import of a package named at run time, so the page
    // hands it the backend it imported.
    const chosen = await selectBackend('wasm', { importModule: async () => wasm, threads: Number(query.get('threads') ?? 2) });
    selection = { threads: chosen.threads, requestedThreads: chosen.requestedThreads, reason: chosen.reason };
  } else if (!(await tf.setBackend(backend))) {
    throw new Error(`the ${backend} backend did not start`);
  }
  await tf.ready();
  const runs = [];
  for (const seed of seeds) runs.push(await runScenario(seed, kinds.length > 0 ? kinds : undefined));
  const model = createFusionModel('concat', { textDim: 4, imageDim: 4, numClasses: 2, hiddenDim: 8, seed: 1 });
  const saveError = await fileApiError(() => model.save('model'));
  model.dispose();
  const loadError = await fileApiError(() => loadFusionModel('model'));
  return {
    ok: true,
    backend: tf.getBackend(),
    webglVersion: backend === 'webgl' ? tf.env().getNumber('WEBGL_VERSION') : null,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    wasmMultithread: backend === 'wasm' ? await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT') === true : null,
    selection,
    moduleCompiles: compiles,
    runs,
    saveError,
    loadError,
  };
}

main().then(
  (result) => {
    window.__result = result;
  },
  (err: unknown) => {
    window.__result = { ok: false, error: (err as Error)?.stack ?? String(err) };
  },
);
