// Where a `tfjs:` model lives (a local model.json or an http(s) URL), reading its artifacts, and
// the content fingerprint that goes into the encoder id.
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { io } from '@tensorflow/tfjs-core';
import { MmauxEncoderError } from '../errors.js';
import { TFJS_MODEL_HELP, localModelHandler } from './local-model-io.js';
import type { TfCore } from './tfjs-runtime.js';

/** @internal A resolved model location. */
export type TfjsModelLocation =
  | { kind: 'file'; /** Absolute path of model.json. */ path: string; /** Short name for the id. */ label: string }
  | { kind: 'url'; url: string; label: string };

/** @internal Options that say how a model is fetched. */
export interface TfjsSourceOptions {
  allowRemote?: boolean;
  fetchFunc?: typeof fetch;
}

/** @internal Turns the part of a `tfjs:` spec before `#` into a location. */
export function resolveModelLocation(fn: string, spec: string, location: string): TfjsModelLocation {
  if (/^https?:\/\//i.test(location)) {
    let url: URL;
    try {
      url = new URL(location);
    } catch (e) {
      throw new MmauxEncoderError('INVALID_SPEC', `${fn}: "${spec}" holds the URL ${JSON.stringify(location)}, which is not a valid URL.`, { cause: e });
    }
    if (url.pathname.endsWith('/')) url.pathname += 'model.json';
    return { kind: 'url', url: url.href, label: `${url.host}${url.pathname}` };
  }
  let path: string;
  if (/^file:/i.test(location)) {
    try {
      path = fileURLToPath(location);
    } catch (e) {
      throw new MmauxEncoderError('INVALID_SPEC', `${fn}: "${spec}" holds the file URL ${JSON.stringify(location)}, which does not name a local file.`, { cause: e });
    }
  } else if (/^[a-z][a-z0-9+.-]+:\/\//i.test(location)) {
    throw new MmauxEncoderError(
      'INVALID_SPEC',
      `${fn}: "${spec}" uses the scheme ${location.split('://')[0]}://, which is not supported under Node; use a local path (tfjs:./model/model.json), a file:// URL or an http(s):// URL.`,
    );
  } else {
    path = location.startsWith('~/') ? join(homedir(), location.slice(2)) : location;
  }
  path = resolve(path);
  // A folder means its model.json; so does a missing path that does not name a .json file.
  if (existsSync(path) ? statSync(path).isDirectory() : !path.toLowerCase().endsWith('.json')) path = join(path, 'model.json');
  const file = basename(path);
  return { kind: 'file', path, label: file === 'model.json' ? basename(dirname(path)) : `${basename(dirname(path))}/${file}` };
}

/** @internal The artifacts of a model and where they came from. */
export interface TfjsModelSource {
  location: TfjsModelLocation;
  artifacts: io.ModelArtifacts;
  /** `'graph'` (tfjs-converter GraphModel) or `'layers'` (tfjs-layers LayersModel). */
  format: 'graph' | 'layers';
  /** 16 hex of sha256 over the topology, weight specs, signature and weight bytes. */
  fingerprint: string;
}

function weightBuffers(data: io.WeightData | undefined): ArrayBuffer[] {
  if (data === undefined) return [];
  return Array.isArray(data) ? data : [data];
}

/**
 * @internal Content fingerprint of a model: what determines its output (topology, weight specs,
 * signature, initializer, weight bytes) and nothing else, so the same model read from a folder
 * or a URL has the same fingerprint, and one changed byte gives another.
 */
export function fingerprintArtifacts(a: io.ModelArtifacts): string {
  const h = createHash('sha256');
  const topology = a.modelTopology instanceof ArrayBuffer ? { bytes: createHash('sha256').update(new Uint8Array(a.modelTopology)).digest('hex') } : a.modelTopology;
  h.update(JSON.stringify([a.format ?? null, topology ?? null, a.weightSpecs ?? [], a.signature ?? null, a.modelInitializer ?? null, a.initializerSignature ?? null]));
  h.update('\n');
  for (const b of weightBuffers(a.weightData)) h.update(new Uint8Array(b));
  return h.digest('hex').slice(0, 16);
}

/** @internal Which loader a model.json needs: its `format`, else the shape of its topology. */
export function detectFormat(fn: string, spec: string, a: io.ModelArtifacts): 'graph' | 'layers' {
  if (a.format === 'graph-model') return 'graph';
  if (a.format === 'layers-model') return 'layers';
  const t = a.modelTopology as Record<string, unknown> | undefined;
  if (t && Array.isArray(t.node)) return 'graph';
  if (t && (typeof t.class_name === 'string' || typeof t.model_config === 'object')) return 'layers';
  throw new MmauxEncoderError(
    'UNSUPPORTED_MODEL',
    `${fn}: the model.json of "${spec}" has format ${JSON.stringify(a.format ?? null)} and a topology that is neither a GraphDef (graph-model) nor a Keras model config (layers-model). ${TFJS_MODEL_HELP}`,
  );
}

function remoteOff(fn: string, spec: string, url: string): MmauxEncoderError {
  return new MmauxEncoderError(
    'MODEL_NOT_FOUND',
    `${fn}: "${spec}" is remote (${url}) but downloads are off (allowRemote: false). Download model.json and its weight shards into a folder and pass tfjs:<folder>/model.json.`,
  );
}

/**
 * @internal Reads a model's artifacts from disk (no TensorFlow.js needed for that, so a missing
 * file is reported first) or over http(s) (tfjs's own http loader, from `getTf()`).
 */
export async function loadModelSource(fn: string, spec: string, location: TfjsModelLocation, getTf: () => Promise<TfCore>, options: TfjsSourceOptions): Promise<TfjsModelSource> {
  let artifacts: io.ModelArtifacts;
  if (location.kind === 'file') {
    artifacts = await localModelHandler(fn, spec, location.path).load!();
  } else {
    if (options.allowRemote === false) throw remoteOff(fn, spec, location.url);
    const tf = await getTf();
    const handler = tf.io.http(location.url, options.fetchFunc ? { fetchFunc: options.fetchFunc } : {});
    try {
      artifacts = await handler.load!();
    } catch (e) {
      throw new MmauxEncoderError(
        'MODEL_NOT_FOUND',
        `${fn}: cannot download the TensorFlow.js model ${location.url} (from "${spec}"): ${(e as Error).message}. Check the URL and the network, or download model.json and its shards and pass the folder.`,
        { cause: e },
      );
    }
  }
  return { location, artifacts, format: detectFormat(fn, spec, artifacts), fingerprint: fingerprintArtifacts(artifacts) };
}

/**
 * @internal Reads a file that sits beside model.json (a vocabulary): from disk, or over http(s)
 * relative to the model's URL. `null` when it does not exist.
 */
export async function readSideFile(fn: string, spec: string, location: TfjsModelLocation, name: string, options: TfjsSourceOptions): Promise<{ text: string; where: string } | null> {
  if (location.kind === 'file') {
    const file = join(dirname(location.path), name);
    try {
      return { text: await readFile(file, 'utf8'), where: file };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new MmauxEncoderError('MODEL_LOAD_FAILED', `${fn}: cannot read ${file} (for "${spec}"): ${(e as Error).message}`, { cause: e });
    }
  }
  if (options.allowRemote === false) throw remoteOff(fn, spec, location.url);
  const url = new URL(name, location.url).href;
  const fetchFunc = options.fetchFunc ?? globalThis.fetch;
  let res: Response;
  try {
    res = await fetchFunc(url);
  } catch (e) {
    throw new MmauxEncoderError('MODEL_NOT_FOUND', `${fn}: cannot download ${url} (for "${spec}"): ${(e as Error).message}`, { cause: e });
  }
  if (res.status === 404) return null;
  if (!res.ok) throw new MmauxEncoderError('MODEL_NOT_FOUND', `${fn}: downloading ${url} (for "${spec}") failed with HTTP ${res.status}.`);
  return { text: await res.text(), where: url };
}
