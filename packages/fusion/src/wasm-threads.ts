// Threads for @tensorflow/tfjs-backend-wasm under Node: the glue selectBackend uses.
//
// The package's threaded SIMD build cannot start under Node as shipped (4.x):
// - `WASM_HAS_MULTITHREAD_SUPPORT` returns false whenever `IS_NODE` (dist/flags_wasm.js), so
//   `init()` (dist/backend_wasm.js) always takes the single-threaded SIMD build there;
// - forcing the flag does not help: `init()` hands Emscripten a `blob:` URL for the pthread worker
//   (`locateFile` → `URL.createObjectURL`), which `worker_threads.Worker` refuses
//   (ERR_WORKER_PATH), and a `Blob` of its own bundled factory as `mainScriptUrlOrBlob`, which the
//   worker can only read back through `fs.readFileSync` (it cannot read a blob URL);
// - and backend.cc caps the XNNPACK pool at `emscripten_num_logical_cores() / 2` (a
//   hyper-threading guess; `os.cpus().length / 2` under Node, so 1 on a 2-core machine) and at 8,
//   the number of workers the build pre-spawns (`PTHREAD_POOL_SIZE=8`).
//
// So under Node this module starts the same build itself, from the files the package ships in
// `wasm-out/`: Emscripten's factory with the worker given as a `data:` URL module (the form Node's
// Worker accepts) that evaluates the package's own worker script, the factory file's path as
// `mainScriptUrlOrBlob`, the `.wasm` instantiated through Emscripten's `instantiateWasm` hook with
// `emscripten_num_logical_cores` answering 2 × the requested threads (so the cap is the request),
// and the result wrapped in the package's own `BackendWasm`. It replaces the registered 'wasm'
// factory with one that tries this first and falls back to the package's factory, single-threaded,
// when anything fails: a wasm backend that starts is never lost to the threading.
import * as tf from '@tensorflow/tfjs';
import { nodeBuiltin } from './node-builtin.js';

/** The parts of `@tensorflow/tfjs-backend-wasm` this module needs. */
export interface WasmPackage {
  setThreadsCount(threads: number): void;
  getThreadsCount(): number;
  BackendWasm: new (module: unknown) => tf.KernelBackend;
  version_wasm?: string;
}

/** Whether a loaded module is `@tensorflow/tfjs-backend-wasm` with its thread API. */
export function isWasmPackage(mod: unknown): mod is WasmPackage {
  const m = mod as Partial<WasmPackage> | null;
  return typeof m?.setThreadsCount === 'function' && typeof m.getThreadsCount === 'function' && typeof m.BackendWasm === 'function';
}

/** The most threads the wasm build runs (its pre-spawned workers, backend.cc's `max_num_threads`). */
export const MAX_WASM_THREADS = 8;

/** The priority tfjs-backend-wasm registers its backend with (`WASM_PRIORITY` in dist/base.js). */
const WASM_PRIORITY = 2;

/** How long the workers may take to load before the threaded start counts as failed. */
const START_TIMEOUT_MS = 30_000;

/** Whether this is Node (tfjs's own test, the one tfjs-backend-wasm's flags use). */
export function isNode(): boolean {
  return tf.env().getBool('IS_NODE');
}

/**
 * The machine's logical cores: `os.availableParallelism()` (or `os.cpus().length`) under Node,
 * `navigator.hardwareConcurrency` in a browser, 1 when neither says.
 */
export async function machineThreads(): Promise<number> {
  if (isNode()) {
    const os = await nodeBuiltin<typeof import('node:os')>('node:os');
    return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  }
  const n = (globalThis as { navigator?: { hardwareConcurrency?: unknown } }).navigator?.hardwareConcurrency;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : 1;
}

/** What the last start of the wasm backend through this module did about threads. */
export interface WasmThreadsStart {
  requested: number;
  /** Set when the threaded build did not start and the single-threaded one runs instead. */
  failure?: string;
}

let lastStart: WasmThreadsStart | null = null;

/** The outcome of the last start through {@link configureWasmThreads}'s factory, if any. */
export function lastWasmThreadsStart(): WasmThreadsStart | null {
  return lastStart;
}

type BackendFactory = () => tf.KernelBackend | Promise<tf.KernelBackend>;
const ORIGINAL = Symbol.for('mmaux.fusion.originalWasmFactory');
type WrappedFactory = BackendFactory & { [ORIGINAL]?: BackendFactory };

/**
 * Prepares the not-yet-started 'wasm' backend to run `threads` threads: `setThreadsCount`, and
 * under Node with more than one thread, a factory that starts the threaded build (see the top of
 * this file). One thread, or a browser (where the package's own `init()` picks the threaded build
 * when the page is cross-origin isolated), keeps the package's factory.
 */
export function configureWasmThreads(pkg: WasmPackage, threads: number): void {
  const current = tf.findBackendFactory('wasm') as WrappedFactory | null;
  if (current === null) return;
  const original = current[ORIGINAL] ?? current;
  pkg.setThreadsCount(threads);
  lastStart = null;
  let wanted: WrappedFactory = original;
  if (isNode() && threads > 1) {
    wanted = async () => {
      try {
        const backend = await startThreaded(pkg, threads);
        lastStart = { requested: threads };
        return backend;
      } catch (err) {
        lastStart = { requested: threads, failure: (err as Error).message ?? String(err) };
        // The package's init() must take its single-threaded build (its threaded path fails here).
        tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
        pkg.setThreadsCount(1);
        return original();
      }
    };
    wanted[ORIGINAL] = original;
  }
  if (wanted !== current) {
    tf.removeBackend('wasm');
    tf.registerBackend('wasm', wanted, WASM_PRIORITY);
  }
}

/** A Node worker as Emscripten's PThread keeps it. */
interface PoolWorker {
  unref(): void;
  on(event: 'error', listener: (err: unknown) => void): void;
  listeners(event: 'error'): ((err: unknown) => void)[];
  removeAllListeners(event: 'error'): void;
}

interface PThreadPool {
  unusedWorkers: PoolWorker[];
  runningWorkers: PoolWorker[];
  terminateAllThreads(): void;
}

/** The Emscripten module of the threaded build (the config object, filled in by the factory). */
interface ThreadedModule {
  cwrap(name: string, returnType: string | null, argTypes: string[]): unknown;
  PThread?: PThreadPool;
  tfjs?: Record<string, unknown>;
}

interface WasmRuntime {
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => { buffer: unknown };
  instantiate(bytes: Uint8Array, imports: Record<string, Record<string, unknown>>): Promise<{ instance: unknown; module: unknown }>;
}

/** Where this module's own file is, to resolve the wasm package from (ESM or the CJS build). */
function thisFile(): string {
  return typeof __filename === 'string' ? __filename : import.meta.url;
}

/** Starts the threaded SIMD build under Node and returns its `BackendWasm`; throws on any failure. */
async function startThreaded(pkg: WasmPackage, threads: number): Promise<tf.KernelBackend> {
  const WebAssemblyRuntime = (globalThis as { WebAssembly?: WasmRuntime }).WebAssembly;
  if (WebAssemblyRuntime === undefined) throw new Error('this runtime has no WebAssembly');
  if (!(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) throw new Error('the threaded build needs WebAssembly SIMD, which this runtime lacks');
  try {
    const probe = new WebAssemblyRuntime.Memory({ initial: 1, maximum: 1, shared: true });
    if (!(probe.buffer instanceof SharedArrayBuffer)) throw new Error('not shared');
  } catch {
    throw new Error('this runtime has no shared WebAssembly memory (SharedArrayBuffer)');
  }
  const [{ createRequire }, fs, path] = await Promise.all([
    nodeBuiltin<typeof import('node:module')>('node:module'),
    nodeBuiltin<typeof import('node:fs')>('node:fs'),
    nodeBuiltin<typeof import('node:path')>('node:path'),
  ]);
  const require = createRequire(thisFile());
  const pkgJson = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  const installed = (require(pkgJson) as { version?: string }).version;
  if (pkg.version_wasm !== undefined && installed !== pkg.version_wasm) {
    throw new Error(`the loaded @tensorflow/tfjs-backend-wasm (${pkg.version_wasm}) is not the one at ${path.dirname(pkgJson)} (${installed})`);
  }
  const dir = path.join(path.dirname(pkgJson), 'wasm-out');
  const files = {
    factory: path.join(dir, 'tfjs-backend-wasm-threaded-simd.js'),
    worker: path.join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js'),
    wasm: path.join(dir, 'tfjs-backend-wasm-threaded-simd.wasm'),
  };
  const missing = Object.values(files).filter((f) => !fs.existsSync(f));
  if (missing.length > 0) throw new Error(`@tensorflow/tfjs-backend-wasm ${installed} lacks ${missing.join(', ')}`);
  const factory = require(files.factory) as unknown;
  const workerScript = (require(files.worker) as { wasmWorkerContents?: unknown }).wasmWorkerContents;
  if (typeof factory !== 'function' || typeof workerScript !== 'string') {
    throw new Error(`${dir} does not hold the Emscripten factory and worker script this glue knows (tfjs-backend-wasm ${installed})`);
  }
  const bytes = await fs.promises.readFile(files.wasm);

  // The worker script is exported as a template literal, which turned its one escaped "\n" into a
  // real newline; the package re-escapes it the same way before making its blob.
  const workerSource = [
    `import { createRequire } from 'node:module';`,
    `globalThis.require = createRequire(${JSON.stringify(files.factory)});`,
    `globalThis.__filename = ${JSON.stringify(files.worker)};`,
    `(0, eval)(${JSON.stringify(workerScript.replace(/\n/g, '\\n'))});`,
  ].join('\n');
  const workerUrl = new URL(`data:text/javascript,${encodeURIComponent(workerSource)}`);

  let fail: (err: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  const restoreHandlers: (() => void)[] = [];
  // Emscripten's Module is this object: the factory adds cwrap, PThread and the exports to it.
  const config: Partial<ThreadedModule> & Record<string, unknown> = {
    mainScriptUrlOrBlob: files.factory,
    locateFile: (file: string, prefix: string) => (file.endsWith('.worker.js') ? workerUrl : file.endsWith('.wasm') ? files.wasm : prefix + file),
    instantiateWasm: (imports: Record<string, Record<string, unknown>>, receiveInstance: (instance: unknown, module: unknown) => void) => {
      const pool = config.PThread;
      const guard = (err: unknown) => fail(new Error(`a pthread worker failed to load: ${(err as Error)?.message ?? String(err)}`));
      // Emscripten's own worker 'error' handler rethrows, which would end the process; while the
      // workers load, a failure is this start's failure instead.
      for (const w of pool?.unusedWorkers ?? []) w.on('error', guard);
      const env = { ...imports.env, emscripten_num_logical_cores: () => 2 * threads };
      WebAssemblyRuntime.instantiate(bytes, { ...imports, env, wasi_snapshot_preview1: env }).then(
        ({ instance, module }) => {
          receiveInstance(instance, module);
          for (const w of pool?.unusedWorkers ?? []) {
            const theirs = w.listeners('error').filter((l) => l !== guard);
            w.removeAllListeners('error');
            w.on('error', guard);
            restoreHandlers.push(() => {
              w.removeAllListeners('error');
              for (const l of theirs) w.on('error', l);
            });
          }
        },
        (err: unknown) => fail(new Error(`the threaded .wasm did not instantiate: ${(err as Error)?.message ?? String(err)}`)),
      );
      return {};
    },
    onAbort: (what: unknown) => fail(new Error(`the threaded module aborted: ${String(what)}`)),
  };
  const listenersBefore = { uncaughtException: process.listeners('uncaughtException'), unhandledRejection: process.listeners('unhandledRejection') };
  const hadWorker = Object.prototype.hasOwnProperty.call(globalThis, 'Worker');
  const previousWorker = (globalThis as { Worker?: unknown }).Worker;
  let ready: Promise<unknown>;
  try {
    ready = (factory as (config: unknown) => Promise<unknown>)(config);
  } finally {
    // The factory sets a global `Worker` (Node's) to spawn its pool, which it has now done; put
    // the global back so nothing else mistakes Node for a browser.
    if (hadWorker) (globalThis as { Worker?: unknown }).Worker = previousWorker;
    else delete (globalThis as { Worker?: unknown }).Worker;
  }
  ready.catch(() => {}); // a late rejection after a timeout must not surface as unhandled
  const timer = setTimeout(() => fail(new Error(`the pthread workers did not load within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
  timer.unref?.();
  try {
    const module = (await Promise.race([ready, failed])) as ThreadedModule;
    clearTimeout(timer);
    module.tfjs = {
      init: module.cwrap('init', null, []),
      initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
      getThreadsCount: module.cwrap('get_threads_count', 'number', []),
      registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
      disposeData: module.cwrap('dispose_data', null, ['number']),
      dispose: module.cwrap('dispose', null, []),
    };
    const backend = new pkg.BackendWasm(module); // creates XNNPACK's pool: threads − 1 pthreads
    const started = pkg.getThreadsCount();
    if (!(started >= 1)) {
      backend.dispose();
      throw new Error(`XNNPACK's thread pool did not start (get_threads_count() = ${started})`);
    }
    // The pool's pthreads stay parked in their workers between kernels; a referenced worker
    // would keep Node running after the program's last line.
    for (const w of module.PThread?.runningWorkers ?? []) w.unref();
    for (const restore of restoreHandlers) restore();
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    return backend;
  } catch (err) {
    clearTimeout(timer);
    config.PThread?.terminateAllThreads();
    // The module's process listeners (Emscripten rethrows uncaught errors) leave with it.
    for (const l of process.listeners('uncaughtException')) if (!listenersBefore.uncaughtException.includes(l)) process.removeListener('uncaughtException', l);
    for (const l of process.listeners('unhandledRejection')) if (!listenersBefore.unhandledRejection.includes(l)) process.removeListener('unhandledRejection', l);
    throw err;
  }
}
