import * as tf from '@tensorflow/tfjs';
import { MmauxFusionError } from './errors.js';
import { configureWasmThreads, isNode, isWasmPackage, lastWasmThreadsStart, machineThreads, MAX_WASM_THREADS } from './wasm-threads.js';

/** A backend request: `'auto'` or one backend by name. */
export type BackendChoice = 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

/** One backend {@link selectBackend} tried. */
export interface BackendAttempt {
  /** `'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu'`. */
  name: Exclude<BackendChoice, 'auto'>;
  ok: boolean;
  /** Why it was (not) taken, e.g. "@tensorflow/tfjs-node is not installed". */
  reason: string;
}

/** What {@link selectBackend} chose. */
export interface BackendSelection {
  /** The candidate that was taken (`'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu'`). */
  backend: Exclude<BackendChoice, 'auto'>;
  /** The tfjs backend now active (`tf.getBackend()`: `'tensorflow'`, `'wasm'` or `'cpu'`). */
  tfjsBackend: string;
  /** One sentence: what was chosen and why, with the thread count and why it differs from the request. */
  reason: string;
  /** Every candidate tried, in order. */
  tried: BackendAttempt[];
  /**
   * Threads the chosen backend computes with: wasm → `tf.wasm.getThreadsCount()` (XNNPACK's pool,
   * the calling thread included), cpu → 1, native TensorFlow → `null` (it sizes its own pools).
   */
  threads: number | null;
  /** The thread count asked for (the `threads` option or its default). */
  requestedThreads: number;
}

/** Options of {@link selectBackend}. */
export interface SelectBackendOptions {
  /**
   * Loads a package by name. @defaultValue dynamic `import()`; tests pass a stub to simulate
   * installed or missing packages
   */
  importModule?: (specifier: string) => Promise<unknown>;
  /**
   * Threads for the wasm backend, a positive integer, applied with `tf.wasm.setThreadsCount`
   * before it starts. Under Node more than one starts the package's multi-threaded SIMD build
   * through worker threads (which the package itself does not do there); when that cannot start,
   * wasm runs single-threaded and `reason` says why. The wasm build runs at most 8. A tfjs backend
   * starts once per process: a wasm backend already running keeps its count (see `threads` in the
   * result). Native TensorFlow and cpu ignore it.
   * @defaultValue the machine's logical cores: `os.availableParallelism()` under Node,
   *   `navigator.hardwareConcurrency` in a browser
   */
  threads?: number;
}

/** `'auto'` tries these in order. */
export const AUTO_BACKEND_ORDER = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;

const PACKAGE: Record<Exclude<BackendChoice, 'auto'>, string | null> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: null,
};

const TFJS_NAME: Record<Exclude<BackendChoice, 'auto'>, string> = {
  'tensorflow-gpu': 'tensorflow',
  tensorflow: 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
};

function describeImportError(pkg: string, err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND' || /Cannot find (module|package)|Could not resolve|Is it installed/.test(e?.message ?? '')) {
    return `${pkg} is not installed`;
  }
  return `${pkg} failed to load: ${(e?.message ?? String(err)).split('\n')[0]}`;
}

/** What a started backend's thread count is, and why it is not the request. */
interface ThreadsOutcome {
  threads: number | null;
  note?: string;
}

const plural = (n: number) => `${n} thread${n === 1 ? '' : 's'}`;

/** The wasm backend's thread count once started, and why it is not `requested` where it is not. */
function wasmThreads(loaded: unknown, requested: number, wasAlreadyRunning: boolean): ThreadsOutcome {
  if (!isWasmPackage(loaded)) return { threads: null, note: 'the loaded @tensorflow/tfjs-backend-wasm has no getThreadsCount' };
  let threads: number;
  try {
    threads = loaded.getThreadsCount();
  } catch (err) {
    return { threads: null, note: `tf.wasm.getThreadsCount() failed: ${(err as Error).message}` };
  }
  if (threads === requested) return { threads };
  const start = lastWasmThreadsStart();
  let why: string;
  if (wasAlreadyRunning) why = 'the wasm backend was already running in this process, and its thread count is fixed when it starts';
  else if (start?.failure !== undefined) why = `the multi-threaded build did not start: ${start.failure}`;
  else if (requested > MAX_WASM_THREADS && threads === MAX_WASM_THREADS) why = `the wasm build runs at most ${MAX_WASM_THREADS}`;
  else if (!isNode() && threads === 1 && (globalThis as { crossOriginIsolated?: unknown }).crossOriginIsolated !== true) why = 'this browser gives WebAssembly no threads (the page must be cross-origin isolated for SharedArrayBuffer)';
  else why = "tfjs-backend-wasm caps its pool (in a browser at half of navigator.hardwareConcurrency)";
  return { threads, note: `${requested} requested: ${why}` };
}

async function tryBackend(
  name: Exclude<BackendChoice, 'auto'>,
  importModule: (specifier: string) => Promise<unknown>,
  requestedThreads: number,
): Promise<BackendAttempt & ThreadsOutcome> {
  const pkg = PACKAGE[name];
  let loaded: unknown;
  if (pkg !== null) {
    try {
      loaded = await importModule(pkg);
    } catch (err) {
      return { name, ok: false, reason: describeImportError(pkg, err), threads: null };
    }
  }
  const tfjsName = TFJS_NAME[name];
  if (tf.findBackendFactory(tfjsName) === null && tf.findBackend(tfjsName) === null) {
    return { name, ok: false, reason: `${pkg ?? 'tfjs'} loaded but registered no '${tfjsName}' backend (another copy of @tensorflow/tfjs-core?)`, threads: null };
  }
  const wasmAlreadyRunning = name === 'wasm' && tf.findBackend('wasm') !== null;
  if (name === 'wasm' && !wasmAlreadyRunning && isWasmPackage(loaded)) configureWasmThreads(loaded, requestedThreads);
  let switched: boolean;
  try {
    switched = await tf.setBackend(tfjsName);
    await tf.ready();
  } catch (err) {
    return { name, ok: false, reason: `the '${tfjsName}' backend failed to start: ${(err as Error).message}`, threads: null };
  }
  if (!switched || tf.getBackend() !== tfjsName) {
    return { name, ok: false, reason: `the '${tfjsName}' backend failed to start`, threads: null };
  }
  const why: Record<Exclude<BackendChoice, 'auto'>, string> = {
    'tensorflow-gpu': 'native TensorFlow (GPU build) is installed',
    tensorflow: 'native TensorFlow is installed',
    wasm: 'WebAssembly (SIMD) runs everywhere and is ~25× faster than cpu here',
    cpu: 'the plain JavaScript backend, always available',
  };
  const threads: ThreadsOutcome =
    name === 'wasm' ? wasmThreads(loaded, requestedThreads, wasmAlreadyRunning) : name === 'cpu' ? { threads: 1 } : { threads: null };
  return { name, ok: true, reason: why[name], ...threads };
}

/** Checks the `threads` option: a positive integer. */
function checkThreads(fn: string, threads: unknown): void {
  if (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1) {
    const shown = typeof threads === 'number' ? String(threads) : `${JSON.stringify(threads) ?? String(threads)} (${typeof threads})`;
    throw new MmauxFusionError('INVALID_OPTION', `${fn}: threads must be a positive integer (1, 2, …; the wasm backend runs at most ${MAX_WASM_THREADS}), got ${shown}; leave it out for the machine's cores.`);
  }
}

/**
 * Chooses and activates the tfjs backend, the one way the trainer and the benchmarks pick it.
 * `'auto'` tries `tensorflow-gpu` (`@tensorflow/tfjs-node-gpu`), `tensorflow`
 * (`@tensorflow/tfjs-node`), `wasm` (`@tensorflow/tfjs-backend-wasm`), then `cpu`, and takes
 * the first that loads and starts. The native packages are optional: a missing or broken one is
 * a reason in `tried`, never a crash. A named backend is tried alone and throws if unavailable.
 * wasm starts with `threads` threads (default: the machine's cores), under Node too; when its
 * multi-threaded build cannot start it runs single-threaded and `reason` says why.
 *
 * @param choice - `'auto'` (default) or a backend name
 * @param options - `threads` (wasm's thread count), `importModule` (for tests)
 * @returns `{ backend, tfjsBackend, reason, tried, threads, requestedThreads }`
 * @throws MmauxFusionError `BACKEND_UNAVAILABLE` (a named backend that cannot start, with the
 *   reason), `INVALID_OPTION` (unknown name; `threads` not a positive integer)
 *
 * @example
 * ```ts
 * const chosen = await selectBackend('cpu', { threads: 2 });
 * chosen.backend; // "cpu"
 * chosen.threads; // 1
 * chosen.reason; // "chose cpu as requested (the plain JavaScript backend, always available)"
 * tf.getBackend(); // "cpu"
 * let code = '';
 * await selectBackend('wasm', { threads: 0 }).catch((e) => { code = e.code; });
 * code; // "INVALID_OPTION"
 * const auto = await selectBackend('auto', { importModule: async (name) => { throw Object.assign(new Error(`Cannot find package '${name}'`), { code: 'ERR_MODULE_NOT_FOUND' }); } });
 * auto.backend; // "cpu"
 * auto.tried.map((t) => t.ok); // [false, false, false, true]
 * auto.tried[1].reason; // "@tensorflow/tfjs-node is not installed"
 * ```
 */
export async function selectBackend(choice: BackendChoice = 'auto', options: SelectBackendOptions = {}): Promise<BackendSelection> {
  const fn = 'selectBackend';
  const importModule = options.importModule ?? ((specifier: string) => import(specifier));
  if (choice !== 'auto' && !(choice in PACKAGE)) {
    throw new MmauxFusionError('INVALID_OPTION', `${fn}: unknown backend ${JSON.stringify(choice)}; use 'auto', ${AUTO_BACKEND_ORDER.map((b) => `'${b}'`).join(', ')}.`);
  }
  if (options.threads !== undefined) checkThreads(fn, options.threads);
  const requestedThreads = options.threads ?? (await machineThreads());
  const candidates = choice === 'auto' ? [...AUTO_BACKEND_ORDER] : [choice];
  const tried: BackendAttempt[] = [];
  for (const name of candidates) {
    const { threads, note, ...attempt } = await tryBackend(name, importModule, requestedThreads);
    tried.push(attempt);
    if (attempt.ok) {
      const skipped = tried.filter((t) => !t.ok).map((t) => `${t.name}: ${t.reason}`);
      const withThreads = name !== 'wasm' ? '' : `; ${threads !== null ? plural(threads) : 'threads unknown'}${note !== undefined ? ` (${note})` : ''}`;
      const reason =
        choice === 'auto'
          ? `chose ${name} (${attempt.reason})${withThreads}${skipped.length > 0 ? `; skipped ${skipped.join('; ')}` : ''}`
          : `chose ${name} as requested (${attempt.reason})${withThreads}`;
      return { backend: name, tfjsBackend: tf.getBackend(), reason, tried, threads, requestedThreads };
    }
  }
  const last = tried[tried.length - 1]!;
  throw new MmauxFusionError(
    'BACKEND_UNAVAILABLE',
    `${fn}: the ${choice} backend is unavailable: ${last.reason}. Install its package (${PACKAGE[last.name] ?? '@tensorflow/tfjs'}) or use selectBackend('auto').`,
  );
}
