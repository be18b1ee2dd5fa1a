import type { ScenarioResult } from './scenario.js';

/** The page's synchronous WebAssembly compiles (@mmaux/fusion's SIMD kernels). */
export interface WasmModuleCompiles {
  compiled: number;
  /** The error message of each compile that threw (the kernels then fall back to tfjs ops). */
  failures: string[];
}

/** What the page leaves in `window.__result`. */
export type PageResult =
  | {
      ok: true;
      /** `tf.getBackend()` after the start. */
      backend: string;
      /** `WEBGL_VERSION` on webgl, else `null`. */
      webglVersion: number | null;
      crossOriginIsolated: boolean;
      /** tfjs's `WASM_HAS_MULTITHREAD_SUPPORT` on wasm, else `null`. */
      wasmMultithread: boolean | null;
      /** `selectBackend`'s answer on wasm, else `null`. */
      selection: { threads: number | null; requestedThreads: number; reason: string } | null;
      moduleCompiles: WasmModuleCompiles;
      /** One per `?seed=`, in order. */
      runs: ScenarioResult[];
      /** What `FusionModel.save` threw (a browser has no node:fs), `null` if it did not throw. */
      saveError: { code: string; message: string } | null;
      /** The same for `loadFusionModel`. */
      loadError: { code: string; message: string } | null;
    }
  | { ok: false; error: string };

/** A page's result when it ran. */
export type PageReport = Extract<PageResult, { ok: true }>;

declare global {
  interface Window {
    __result?: PageResult;
  }
}
