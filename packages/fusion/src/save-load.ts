import * as tf from '@tensorflow/tfjs';
import { checkImageLayersRecord, checkTextLayersRecord, type FusionConfig, resolveConfig } from './config.js';
import { MmauxFusionError } from './errors.js';
import { FusionModel } from './fusion-model.js';
import { nodeBuiltin } from './node-builtin.js';
import { ImageEncoderLayers } from './image-layers/image-encoder-layers.js';
import { VIT_PREFIX } from './image-layers/weight-names.js';
import { type HfWeight, TextEncoderLayers } from './text-layers/text-encoder-layers.js';

/** `model.json`'s `format` value. */
export const MODEL_FORMAT = 'mmaux-fusion';
/** `model.json`'s `formatVersion` this version writes and reads. */
export const MODEL_FORMAT_VERSION = 1;

/** One weight's entry in `model.json`. */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32';
  byteOffset: number;
  byteLength: number;
}

/** The content of `model.json`. */
export interface ModelManifest {
  format: typeof MODEL_FORMAT;
  formatVersion: number;
  config: FusionConfig;
  weightsFile: 'weights.bin';
  weightsByteLength: number;
  weightsSha256: string;
  weights: WeightSpec[];
}

/** The Node modules saving and loading use. */
interface NodeFiles {
  fs: typeof import('node:fs/promises');
  join: typeof import('node:path').join;
  createHash: typeof import('node:crypto').createHash;
}

/**
 * Node's file system, imported when a model is saved or loaded rather than when the package is,
 * so that the package bundles for a browser (which has no node:fs, and trains without saving).
 */
async function nodeFiles(fn: string): Promise<NodeFiles> {
  try {
    const [fs, path, crypto] = await Promise.all([
      nodeBuiltin<typeof import('node:fs/promises')>('node:fs/promises'),
      nodeBuiltin<typeof import('node:path')>('node:path'),
      nodeBuiltin<typeof import('node:crypto')>('node:crypto'),
    ]);
    return { fs, join: path.join, createHash: crypto.createHash };
  } catch (err) {
    throw new MmauxFusionError(
      'UNSUPPORTED',
      `${fn}: saving and loading read and write a folder with Node's file system (node:fs), which this runtime does not have (${(err as Error).message}); in a browser, keep the weights yourself: model.weights lists each variable by name.`,
      { cause: err },
    );
  }
}

let tempCounter = 0;

/** Writes `data` to `path` through a temporary file in the same folder and a rename. */
async function writeAtomic(fs: NodeFiles['fs'], path: string, data: string | Uint8Array): Promise<void> {
  const temp = `${path}.tmp-${process.pid}-${tempCounter++}`;
  try {
    await fs.writeFile(temp, data);
    await fs.rename(temp, path);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  }
}

/** Implements {@link FusionModel.save}. */
export async function saveFusionModel(model: FusionModel, dir: string): Promise<void> {
  const { fs, join, createHash } = await nodeFiles('FusionModel.save');
  const specs: WeightSpec[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const { name, variable } of model.weights) {
    const values = (await variable.data()) as Float32Array;
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    chunks.push(bytes);
    specs.push({ name, shape: [...variable.shape], dtype: 'float32', byteOffset: offset, byteLength: bytes.byteLength });
    offset += bytes.byteLength;
  }
  const weights = Buffer.concat(chunks, offset);
  const manifest: ModelManifest = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    config: { ...model.config },
    weightsFile: 'weights.bin',
    weightsByteLength: offset,
    weightsSha256: createHash('sha256').update(weights).digest('hex'),
    weights: specs,
  };
  await fs.mkdir(dir, { recursive: true });
  // weights.bin first, model.json last: a model.json always describes a complete weights.bin,
  // and a crash between the two renames is caught by the checksum on load.
  await writeAtomic(fs, join(dir, 'weights.bin'), weights);
  await writeAtomic(fs, join(dir, 'model.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

function fail(code: 'MISSING_FILE' | 'CORRUPT_FILE' | 'WEIGHT_MISMATCH', message: string, cause?: unknown): never {
  throw new MmauxFusionError(code, `loadFusionModel: ${message}`, cause === undefined ? undefined : { cause });
}

async function readOrFail(fs: NodeFiles['fs'], path: string, what: string): Promise<Buffer> {
  try {
    return await fs.readFile(path);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') {
      fail('MISSING_FILE', `${path} not found; ${what}`, err);
    }
    throw err;
  }
}

function parseManifest(path: string, text: string): ModelManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    fail('CORRUPT_FILE', `${path} is not valid JSON (${(err as Error).message}).`, err);
  }
  const m = raw as Partial<ModelManifest>;
  if (m === null || typeof m !== 'object' || m.format !== MODEL_FORMAT) {
    fail('CORRUPT_FILE', `${path} is not an @mmaux/fusion model (format ${JSON.stringify(m?.format)}, expected "${MODEL_FORMAT}").`);
  }
  if (m.formatVersion !== MODEL_FORMAT_VERSION) {
    fail('CORRUPT_FILE', `${path} has formatVersion ${String(m.formatVersion)}; this version of @mmaux/fusion reads ${MODEL_FORMAT_VERSION}.`);
  }
  if (!Array.isArray(m.weights) || typeof m.weightsSha256 !== 'string' || typeof m.weightsByteLength !== 'number' || m.config === undefined) {
    fail('CORRUPT_FILE', `${path} lacks config, weights, weightsByteLength or weightsSha256.`);
  }
  return m as ModelManifest;
}

/**
 * Loads a model written by {@link FusionModel.save}: checks the format, rebuilds the model from
 * its configuration and fills every weight by name, so outputs are identical to the saved
 * model's. Uses node:fs directly (tfjs's `file://` handler needs tfjs-node), imported on the first
 * call, so the package still bundles for a browser, where this throws `UNSUPPORTED`.
 *
 * @param dir - the folder holding `model.json` and `weights.bin`
 * @returns the model
 * @throws MmauxFusionError `MISSING_FILE` (no model.json / weights.bin), `CORRUPT_FILE` (bad
 *   JSON, other format, checksum or size mismatch), `WEIGHT_MISMATCH` (a weight missing,
 *   unexpected, or of another shape — the message names it and the file), `UNSUPPORTED` (no
 *   node:fs: a browser)
 *
 * @example
 * ```ts
 * const model = createFusionModel('gmu', { textDim: 4, imageDim: 4, numClasses: 2, hiddenDim: 8, seed: 2 });
 * const dir = `${os.tmpdir()}/fusion-load-doc-${process.pid}`;
 * await model.save(dir);
 * const loaded = await loadFusionModel(dir);
 * loaded.kind; // "gmu"
 * loaded.config.hiddenDim; // 8
 * ```
 */
export async function loadFusionModel(dir: string): Promise<FusionModel> {
  const { fs, join, createHash } = await nodeFiles('loadFusionModel');
  const manifestPath = join(dir, 'model.json');
  const manifest = parseManifest(
    manifestPath,
    (await readOrFail(fs, manifestPath, `is ${dir} a folder written by FusionModel.save?`)).toString('utf8'),
  );
  const weightsPath = join(dir, manifest.weightsFile ?? 'weights.bin');
  const bytes = await readOrFail(fs, weightsPath, `${manifestPath} refers to it; copy both files together.`);
  if (bytes.byteLength !== manifest.weightsByteLength) {
    fail('CORRUPT_FILE', `${weightsPath} has ${bytes.byteLength} bytes but ${manifestPath} describes ${manifest.weightsByteLength}; the pair comes from different saves or the copy is truncated.`);
  }
  if (createHash('sha256').update(bytes).digest('hex') !== manifest.weightsSha256) {
    fail('CORRUPT_FILE', `${weightsPath} does not match the checksum in ${manifestPath} (an interrupted save or a damaged copy); save the model again.`);
  }
  let config: FusionConfig;
  try {
    const { textLayers: record, imageLayers: imageRecord, ...rest } = manifest.config;
    config = resolveConfig('loadFusionModel', manifest.config.kind, rest);
    if (record !== undefined) config.textLayers = checkTextLayersRecord('loadFusionModel', record);
    if (imageRecord !== undefined) config.imageLayers = checkImageLayersRecord('loadFusionModel', imageRecord);
  } catch (err) {
    fail('CORRUPT_FILE', `${manifestPath} holds an invalid config: ${(err as Error).message}`, err);
  }
  const specs = new Map(manifest.weights.map((s) => [s.name, s]));
  const valuesOf = (spec: WeightSpec): Float32Array =>
    // Copy: a Float32Array view needs 4-byte alignment, which a Buffer from readFile need not have.
    new Float32Array(bytes.buffer.slice(bytes.byteOffset + spec.byteOffset, bytes.byteOffset + spec.byteOffset + spec.byteLength));
  const imageLayers = config.imageLayers === undefined ? null : loadImageLayers(manifestPath, weightsPath, bytes.byteLength, config.imageLayers, specs, valuesOf);
  let textLayers: TextEncoderLayers | null;
  try {
    textLayers = config.textLayers === undefined ? null : loadTextLayers(manifestPath, weightsPath, bytes.byteLength, config.textLayers, specs, valuesOf);
  } catch (err) {
    imageLayers?.dispose();
    throw err;
  }
  const model = new FusionModel(config, textLayers, imageLayers);
  const loadedByName = new Set([...(textLayers?.namedWeights() ?? []), ...(imageLayers?.namedWeights() ?? [])].map((w) => w.name));
  try {
    for (const { name, variable } of model.weights) {
      if (loadedByName.has(name)) continue;
      const spec = specs.get(name);
      if (spec === undefined) {
        fail('WEIGHT_MISMATCH', `${manifestPath} has no weight "${name}", which a '${config.kind}' model with this config needs.`);
      }
      specs.delete(name);
      const expected = variable.shape;
      if (!Array.isArray(spec.shape) || spec.shape.length !== expected.length || spec.shape.some((d, i) => d !== expected[i])) {
        fail('WEIGHT_MISMATCH', `weight "${name}" in ${manifestPath} has shape [${String(spec.shape)}], but the model expects [${expected.join(', ')}].`);
      }
      const size = variable.size;
      if (spec.dtype !== 'float32' || spec.byteLength !== size * 4 || spec.byteOffset < 0 || spec.byteOffset + spec.byteLength > bytes.byteLength) {
        fail('WEIGHT_MISMATCH', `weight "${name}" in ${manifestPath} points outside ${weightsPath} or is not ${size} float32 values.`);
      }
      const values = valuesOf(spec);
      tf.tidy(() => variable.assign(tf.tensor(values, expected, 'float32')));
    }
    if (specs.size > 0) {
      fail('WEIGHT_MISMATCH', `${manifestPath} has weights the '${config.kind}' model does not: ${[...specs.keys()].map((s) => `"${s}"`).join(', ')}.`);
    }
  } catch (err) {
    model.dispose();
    throw err;
  }
  return model;
}

/**
 * The text encoder layers of a saved model, built from their tensors in `weights.bin` (HF names);
 * each is taken out of `specs`. A tensor missing or of another size is a `WEIGHT_MISMATCH`.
 */
function loadTextLayers(
  manifestPath: string,
  weightsPath: string,
  fileBytes: number,
  record: NonNullable<FusionConfig['textLayers']>,
  specs: Map<string, WeightSpec>,
  valuesOf: (spec: WeightSpec) => Float32Array,
): TextEncoderLayers {
  // Fusion weights are named with '/'; the encoders' keep their HF names (the image layers' with the `vit.` prefix).
  const weights = encoderTensors(manifestPath, weightsPath, fileBytes, specs, valuesOf, (name) => !name.includes('/') && !name.startsWith(VIT_PREFIX));
  let layers: TextEncoderLayers;
  try {
    layers = new TextEncoderLayers(record.encoder, {
      trainableLayers: record.trainableLayers,
      pooler: record.pooler,
      freezeWordEmbeddings: record.freezeWordEmbeddings,
      weights,
    });
  } catch (err) {
    fail('WEIGHT_MISMATCH', `${manifestPath}: the text encoder layers cannot be rebuilt from ${weightsPath}: ${(err as Error).message}`, err);
  }
  for (const { name } of layers.namedWeights()) specs.delete(name);
  return layers;
}

/** The entries of `specs` that are HF-named encoder tensors `keep` selects, checked against the file. */
function encoderTensors(
  manifestPath: string,
  weightsPath: string,
  fileBytes: number,
  specs: Map<string, WeightSpec>,
  valuesOf: (spec: WeightSpec) => Float32Array,
  keep: (name: string) => boolean,
): Map<string, HfWeight> {
  const weights = new Map<string, HfWeight>();
  for (const [name, spec] of specs) {
    if (!keep(name)) continue;
    const size = Array.isArray(spec.shape) ? spec.shape.reduce((a, b) => a * b, 1) : -1;
    if (spec.dtype !== 'float32' || spec.byteLength !== size * 4 || spec.byteOffset < 0 || spec.byteOffset + spec.byteLength > fileBytes) {
      fail('WEIGHT_MISMATCH', `weight "${name}" in ${manifestPath} points outside ${weightsPath} or is not ${size} float32 values.`);
    }
    weights.set(name, { shape: spec.shape, data: valuesOf(spec) });
  }
  return weights;
}

/**
 * The image encoder layers of a saved model, built from their `vit.` tensors in `weights.bin`;
 * each is taken out of `specs`. A tensor missing or of another size is a `WEIGHT_MISMATCH`.
 */
function loadImageLayers(
  manifestPath: string,
  weightsPath: string,
  fileBytes: number,
  record: NonNullable<FusionConfig['imageLayers']>,
  specs: Map<string, WeightSpec>,
  valuesOf: (spec: WeightSpec) => Float32Array,
): ImageEncoderLayers {
  const weights = encoderTensors(manifestPath, weightsPath, fileBytes, specs, valuesOf, (name) => name.startsWith(VIT_PREFIX));
  let layers: ImageEncoderLayers;
  try {
    layers = new ImageEncoderLayers(record.encoder, { trainableLayers: record.trainableLayers, pooling: record.pooling, weights });
  } catch (err) {
    fail('WEIGHT_MISMATCH', `${manifestPath}: the image encoder layers cannot be rebuilt from ${weightsPath}: ${(err as Error).message}`, err);
  }
  for (const { name } of layers.namedWeights()) specs.delete(name);
  return layers;
}
