// Writes TensorFlow.js models to disk the way tensorflowjs_converter and model.save() lay them
// out: model.json (topology + weightsManifest) and the weight bytes in one or more shards.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { io } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';

/** What a model.json is written from. */
export interface ModelFiles {
  format: 'graph-model' | 'layers-model';
  modelTopology: unknown;
  weightSpecs: io.WeightsManifestEntry[];
  weightData: Uint8Array;
  signature?: unknown;
}

/**
 * Writes `files` into `dir` as model.json + `shards` weight files (split at byte boundaries, as
 * tensorflowjs_converter's 4 MB shards are). Returns the path of model.json.
 */
export function writeModelFiles(dir: string, files: ModelFiles, shards = 1): string {
  mkdirSync(dir, { recursive: true });
  const bytes = files.weightData;
  const paths: string[] = [];
  const per = Math.ceil(bytes.byteLength / shards);
  for (let s = 0; s < shards; s++) {
    const name = `group1-shard${s + 1}of${shards}.bin`;
    writeFileSync(join(dir, name), bytes.subarray(s * per, Math.min(bytes.byteLength, (s + 1) * per)));
    paths.push(name);
  }
  const json: Record<string, unknown> = {
    format: files.format,
    generatedBy: 'mmaux test',
    convertedBy: null,
    modelTopology: files.modelTopology,
    weightsManifest: [{ paths, weights: files.weightSpecs }],
  };
  if (files.signature !== undefined) json.signature = files.signature;
  const path = join(dir, 'model.json');
  writeFileSync(path, JSON.stringify(json));
  return path;
}

/** Saves a LayersModel into `dir` with a custom save handler (model.json + one weights shard). */
export async function saveLayersModel(model: LayersModel, dir: string): Promise<string> {
  let path = '';
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const data = a.weightData === undefined ? new Uint8Array(0) : new Uint8Array(tf.io.CompositeArrayBuffer.join(a.weightData));
      path = writeModelFiles(dir, { format: 'layers-model', modelTopology: a.modelTopology, weightSpecs: a.weightSpecs ?? [], weightData: data });
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
  );
  return path;
}

/** mulberry32: seeded weights (never Math.random). */
export function seededFloats(n: number, seed: number, scale = 0.5): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

/** Random RGB pixels of a w × h image, seeded. */
export function seededImage(width: number, height: number, seed: number): { data: Uint8Array; width: number; height: number; channels: 3 } {
  const f = seededFloats(width * height * 3, seed, 1);
  return { data: Uint8Array.from(f, (v) => Math.round((v + 1) * 127.5)), width, height, channels: 3 };
}
