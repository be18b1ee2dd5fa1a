// Loads the optional TensorFlow.js peers on first use of a `tfjs:` spec, so users of `hf:` and
// `builtin:` encoders never need them installed.
import { MmauxEncoderError } from '../errors.js';

/** @internal tfjs-core's module type (types only: nothing is imported at runtime from here). */
export type TfCore = typeof import('@tensorflow/tfjs-core');
/** @internal */
export type TfConverter = typeof import('@tensorflow/tfjs-converter');
/** @internal */
export type TfLayers = typeof import('@tensorflow/tfjs-layers');

/** @internal How a module is imported; tests pass one that fails to check the messages. */
export type ModuleImporter = (name: string) => Promise<unknown>;

const defaultImporter: ModuleImporter = (name) => import(name);

const INSTALL =
  'npm install @tensorflow/tfjs-core @tensorflow/tfjs-converter @tensorflow/tfjs-layers @tensorflow/tfjs-backend-cpu ' +
  '(or @tensorflow/tfjs, which has them all; @tensorflow/tfjs-backend-wasm or @tensorflow/tfjs-node for speed)';

function isMissingModule(e: unknown, name: string): boolean {
  const err = e as { code?: string; message?: string };
  return (err.code === 'ERR_MODULE_NOT_FOUND' || err.code === 'MODULE_NOT_FOUND') && String(err.message ?? '').includes(name);
}

async function importPeer<T>(fn: string, name: string, probe: string, why: string, importer: ModuleImporter): Promise<T> {
  let mod: unknown;
  try {
    mod = await importer(name);
  } catch (e) {
    if (isMissingModule(e, name)) {
      throw new MmauxEncoderError(
        'MISSING_DEPENDENCY',
        `${fn}: ${why} needs ${name}, an optional peer dependency of @mmaux/encoders that is not installed. Install it next to @mmaux/encoders: ${INSTALL}.`,
        { cause: e },
      );
    }
    throw new MmauxEncoderError('MISSING_DEPENDENCY', `${fn}: ${name} is installed but failed to load (${(e as Error).message}); reinstall it: ${INSTALL}.`, { cause: e });
  }
  // A CommonJS build imported from ESM may put everything on `default`.
  const m = mod as Record<string, unknown>;
  return (probe in m ? m : (m.default ?? m)) as T;
}

/** @internal `@tensorflow/tfjs-core`, with a registered backend made ready. */
export async function loadTfjsCore(fn: string, importer: ModuleImporter = defaultImporter): Promise<TfCore> {
  const tf = await importPeer<TfCore>(fn, '@tensorflow/tfjs-core', 'tensor', "a 'tfjs:' encoder", importer);
  const registered = Object.keys(tf.engine().registryFactory);
  if (registered.length === 0) {
    throw new MmauxEncoderError(
      'MISSING_DEPENDENCY',
      `${fn}: no TensorFlow.js backend is registered, so a 'tfjs:' model cannot run. Import one before creating the encoder ` +
        "(`import '@tensorflow/tfjs-backend-cpu'`, `import '@tensorflow/tfjs-backend-wasm'` then `await tf.setBackend('wasm')`, " +
        "or `import '@tensorflow/tfjs-node'`; `import '@tensorflow/tfjs'` registers cpu), installing it if needed: " +
        `${INSTALL}.`,
    );
  }
  try {
    await tf.ready();
  } catch (e) {
    throw new MmauxEncoderError('MISSING_DEPENDENCY', `${fn}: the TensorFlow.js backends ${registered.join(', ')} failed to start (${(e as Error).message}); set a working one with tf.setBackend.`, { cause: e });
  }
  return tf;
}

/** @internal `@tensorflow/tfjs-converter` (graph models). */
export function loadTfjsConverter(fn: string, importer: ModuleImporter = defaultImporter): Promise<TfConverter> {
  return importPeer<TfConverter>(fn, '@tensorflow/tfjs-converter', 'loadGraphModel', 'a TensorFlow.js graph model (model.json with format "graph-model")', importer);
}

/** @internal `@tensorflow/tfjs-layers` (layers models). */
export function loadTfjsLayers(fn: string, importer: ModuleImporter = defaultImporter): Promise<TfLayers> {
  return importPeer<TfLayers>(fn, '@tensorflow/tfjs-layers', 'loadLayersModel', 'a TensorFlow.js layers model (model.json with format "layers-model")', importer);
}
