// Reads a TensorFlow.js model (model.json + weight shards) from disk. tfjs has no file:// loader
// outside tfjs-node, so this is the IOHandler `load()` for local folders: the artifacts it returns
// go to tf.io.fromMemory.
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { io } from '@tensorflow/tfjs-core';
import { MmauxEncoderError } from '../errors.js';

/** @internal What a tfjs model.json holds (the fields this package reads). */
export interface TfjsModelJson {
  modelTopology: unknown;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightsManifest?: Array<{ paths: string[]; weights: io.WeightsManifestEntry[] }>;
  trainingConfig?: unknown;
  signature?: unknown;
  userDefinedMetadata?: unknown;
  modelInitializer?: unknown;
  initializerSignature?: unknown;
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

/** @internal Bytes one manifest entry takes in the shards, or `null` when it cannot be known (strings). */
export function entryBytes(entry: io.WeightsManifestEntry): number | null {
  const size = entry.shape.reduce((a, b) => a * b, 1);
  const stored = entry.quantization?.dtype ?? entry.dtype;
  const per = BYTES[stored];
  return per === undefined ? null : size * per;
}

/** @internal Where a model is and what to do when it is not there (for messages). */
export const TFJS_MODEL_HELP =
  'A TensorFlow.js model is a model.json (written by tensorflowjs_converter or model.save()) with its weight shards ' +
  '(group1-shard1of1.bin, …) beside it; pass tfjs:<folder>/model.json, tfjs:<folder> or tfjs:https://…/model.json. ' +
  'A Keras .h5/.keras file or a TensorFlow SavedModel must be converted first: `tensorflowjs_converter --input_format=keras model.h5 out/` ' +
  'or `--input_format=tf_saved_model saved_model/ out/`.';

function parseModelJson(fn: string, spec: string, file: string, text: string): TfjsModelJson {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new MmauxEncoderError('MODEL_LOAD_FAILED', `${fn}: ${file} (from "${spec}") is not valid JSON: ${(e as Error).message}. ${TFJS_MODEL_HELP}`, { cause: e });
  }
  if (json === null || typeof json !== 'object' || !('modelTopology' in json)) {
    throw new MmauxEncoderError('MODEL_LOAD_FAILED', `${fn}: ${file} (from "${spec}") has no "modelTopology", so it is not a TensorFlow.js model.json. ${TFJS_MODEL_HELP}`);
  }
  const m = json as TfjsModelJson;
  const manifest = m.weightsManifest;
  if (manifest !== undefined) {
    const ok = Array.isArray(manifest) && manifest.every((g) => g && Array.isArray(g.paths) && g.paths.every((p) => typeof p === 'string') && Array.isArray(g.weights));
    if (!ok) {
      throw new MmauxEncoderError('MODEL_LOAD_FAILED', `${fn}: the "weightsManifest" of ${file} (from "${spec}") must be a list of { paths: [...], weights: [...] } groups; re-export the model.`);
    }
  }
  return m;
}

/**
 * @internal Reads `modelJsonPath` and every weight shard its manifest names (in manifest order,
 * as tfjs concatenates them), checking that the shards stay inside the model's folder and hold
 * exactly the bytes the manifest describes.
 */
export async function readLocalModel(fn: string, spec: string, modelJsonPath: string): Promise<io.ModelArtifacts> {
  let text: string;
  try {
    text = await readFile(modelJsonPath, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new MmauxEncoderError('MODEL_NOT_FOUND', `${fn}: no TensorFlow.js model for "${spec}": ${modelJsonPath} does not exist. ${TFJS_MODEL_HELP}`, { cause: e });
    }
    throw new MmauxEncoderError('MODEL_LOAD_FAILED', `${fn}: cannot read ${modelJsonPath} (from "${spec}"): ${(e as Error).message}`, { cause: e });
  }
  const json = parseModelJson(fn, spec, modelJsonPath, text);
  const folder = dirname(modelJsonPath);
  const specs: io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  const files: string[] = [];
  for (const group of json.weightsManifest ?? []) {
    specs.push(...group.weights);
    for (const p of group.paths) {
      const file = resolve(folder, p);
      const rel = relative(folder, file);
      if (isAbsolute(p) || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) {
        throw new MmauxEncoderError('MODEL_LOAD_FAILED', `${fn}: ${modelJsonPath} names the weight file "${p}", which is outside its folder ${folder}; weight paths must be relative file names beside model.json.`);
      }
      try {
        buffers.push(await readFile(file));
      } catch (e) {
        throw new MmauxEncoderError(
          'MODEL_NOT_FOUND',
          `${fn}: the weight file ${file} listed in ${modelJsonPath} (from "${spec}") cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); copy every shard named in its weightsManifest beside model.json.`,
          { cause: e },
        );
      }
      files.push(file);
    }
  }
  const total = buffers.reduce((s, b) => s + b.byteLength, 0);
  const sizes = specs.map(entryBytes);
  if (sizes.every((s) => s !== null)) {
    const expected = (sizes as number[]).reduce((a, b) => a + b, 0);
    if (expected !== total) {
      throw new MmauxEncoderError(
        'MODEL_LOAD_FAILED',
        `${fn}: the weights of ${modelJsonPath} (from "${spec}") are ${total < expected ? 'truncated' : 'longer than described'}: its manifest describes ${expected} bytes ` +
          `(${specs.length} tensors) but ${files.length ? files.join(', ') : 'no shard'} hold${files.length === 1 ? 's' : ''} ${total}; copy the shards again or re-export the model.`,
      );
    }
  }
  const weightData = new Uint8Array(total);
  let at = 0;
  for (const b of buffers) {
    weightData.set(b, at);
    at += b.byteLength;
  }
  const artifacts: io.ModelArtifacts = {
    modelTopology: json.modelTopology as {},
    weightSpecs: specs,
    weightData: weightData.buffer,
  };
  if (json.format !== undefined) artifacts.format = json.format;
  if (json.generatedBy !== undefined) artifacts.generatedBy = json.generatedBy;
  if (json.convertedBy !== undefined) artifacts.convertedBy = json.convertedBy;
  if (json.trainingConfig !== undefined) artifacts.trainingConfig = json.trainingConfig as io.TrainingConfig;
  if (json.signature !== undefined) artifacts.signature = json.signature as {};
  if (json.userDefinedMetadata !== undefined) artifacts.userDefinedMetadata = json.userDefinedMetadata as {};
  if (json.modelInitializer !== undefined) artifacts.modelInitializer = json.modelInitializer as {};
  if (json.initializerSignature !== undefined) artifacts.initializerSignature = json.initializerSignature as {};
  return artifacts;
}

/** @internal An IOHandler (`load()` only) for a model.json on disk. */
export function localModelHandler(fn: string, spec: string, modelJsonPath: string): io.IOHandler {
  return { load: () => readLocalModel(fn, spec, modelJsonPath) };
}
