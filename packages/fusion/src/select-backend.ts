import * as tf from '@tensorflow/tfjs';
import { MmauxFusionError } from './errors.js';

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
  /** One sentence: what was chosen and why. */
  reason: string;
  /** Every candidate tried, in order. */
  tried: BackendAttempt[];
}

/** Options of {@link selectBackend}. */
export interface SelectBackendOptions {
  /**
   * Loads a package by name. @defaultValue dynamic `import()`; tests pass a stub to simulate
   * installed or missing packages
   */
  importModule?: (specifier: string) => Promise<unknown>;
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

async function tryBackend(
  name: Exclude<BackendChoice, 'auto'>,
  importModule: (specifier: string) => Promise<unknown>,
): Promise<BackendAttempt> {
  const pkg = PACKAGE[name];
  if (pkg !== null) {
    try {
      await importModule(pkg);
    } catch (err) {
      return { name, ok: false, reason: describeImportError(pkg, err) };
    }
  }
  const tfjsName = TFJS_NAME[name];
  if (tf.findBackendFactory(tfjsName) === null && tf.findBackend(tfjsName) === null) {
    return { name, ok: false, reason: `${pkg ?? 'tfjs'} loaded but registered no '${tfjsName}' backend (another copy of @tensorflow/tfjs-core?)` };
  }
  let switched: boolean;
  try {
    switched = await tf.setBackend(tfjsName);
    await tf.ready();
  } catch (err) {
    return { name, ok: false, reason: `the '${tfjsName}' backend failed to start: ${(err as Error).message}` };
  }
  if (!switched || tf.getBackend() !== tfjsName) {
    return { name, ok: false, reason: `the '${tfjsName}' backend failed to start` };
  }
  const why: Record<Exclude<BackendChoice, 'auto'>, string> = {
    'tensorflow-gpu': 'native TensorFlow (GPU build) is installed',
    tensorflow: 'native TensorFlow is installed',
    wasm: 'WebAssembly (SIMD) runs everywhere and is ~25× faster than cpu here',
    cpu: 'the plain JavaScript backend, always available',
  };
  return { name, ok: true, reason: why[name] };
}

/**
 * Chooses and activates the tfjs backend, the one way the trainer and the benchmarks pick it.
 * `'auto'` tries `tensorflow-gpu` (`@tensorflow/tfjs-node-gpu`), `tensorflow`
 * (`@tensorflow/tfjs-node`), `wasm` (`@tensorflow/tfjs-backend-wasm`), then `cpu`, and takes
 * the first that loads and starts. The native packages are optional: a missing or broken one is
 * a reason in `tried`, never a crash. A named backend is tried alone and throws if unavailable.
 *
 * @param choice - `'auto'` (default) or a backend name
 * @param options - `importModule` (for tests)
 * @returns `{ backend, tfjsBackend, reason, tried }`
 * @throws MmauxFusionError `BACKEND_UNAVAILABLE` (a named backend that cannot start, with the
 *   reason), `INVALID_OPTION` (unknown name)
 *
 * @example
 * ```ts
 * const chosen = await selectBackend('cpu');
 * chosen.backend; // "cpu"
 * tf.getBackend(); // "cpu"
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
  const candidates = choice === 'auto' ? [...AUTO_BACKEND_ORDER] : [choice];
  const tried: BackendAttempt[] = [];
  for (const name of candidates) {
    const attempt = await tryBackend(name, importModule);
    tried.push(attempt);
    if (attempt.ok) {
      const skipped = tried.filter((t) => !t.ok).map((t) => `${t.name}: ${t.reason}`);
      const reason =
        choice === 'auto'
          ? `chose ${name} (${attempt.reason})${skipped.length > 0 ? `; skipped ${skipped.join('; ')}` : ''}`
          : `chose ${name} as requested (${attempt.reason})`;
      return { backend: name, tfjsBackend: tf.getBackend(), reason, tried };
    }
  }
  const last = tried[tried.length - 1]!;
  throw new MmauxFusionError(
    'BACKEND_UNAVAILABLE',
    `${fn}: the ${choice} backend is unavailable: ${last.reason}. Install its package (${PACKAGE[last.name] ?? '@tensorflow/tfjs'}) or use selectBackend('auto').`,
  );
}
