// The PyTorch weights of a Hugging Face encoder (config.json + model.safetensors) as plain
// float32 arrays, from a local folder, transformers.js' cache, or the hub: what a trainable
// re-implementation of the encoder (@mmaux/fusion's TextEncoderLayers) is built from. No tensors
// library here: typed arrays out, so this package depends on neither tfjs nor @mmaux/fusion.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { syncDir, temporaryName } from './atomic-write.js';
import { MmauxEncoderError } from './errors.js';
import { float16ToFloat32 } from './float16.js';
import { loadTransformers } from './hf-runtime.js';

/** Float dtypes of a checkpoint that are converted to float32. */
export type HfWeightDtype = 'F32' | 'F16' | 'BF16' | 'F64';

/** One checkpoint tensor, converted to float32. */
export interface HfEncoderTensor {
  /** PyTorch's shape (a Linear weight is `[out, in]`). */
  shape: number[];
  /** Row-major values. */
  data: Float32Array;
  /** The dtype stored in the file. */
  dtype: HfWeightDtype;
}

/** What {@link loadHfEncoderWeights} returns. */
export interface HfEncoderWeights {
  /** The parsed `config.json` (`model_type`, `hidden_size`, …). */
  config: Record<string, unknown>;
  /** The float tensors by their checkpoint names (`bert.encoder.layer.0.…`, `roberta.…`, …). */
  weights: Map<string, HfEncoderTensor>;
  /** The folder the files were read from (a local folder or transformers.js' cache). */
  folder: string;
  /** The safetensors files read, relative to `folder`. */
  files: string[];
  /** Tensors that are not float (e.g. the int64 `position_ids` buffer of older checkpoints): not returned. */
  skipped: string[];
}

/** Options of {@link loadHfEncoderWeights}. */
export interface HfEncoderWeightsOptions {
  /**
   * Download from the hub when the files are not on disk.
   * @defaultValue transformers.js' `env.allowRemoteModels`
   */
  allowRemote?: boolean;
  /**
   * A hub id is first looked up as `<localModelPath>/<hub id>/`.
   * @defaultValue transformers.js' `env.localModelPath`
   */
  localModelPath?: string;
  /**
   * Where downloads go and are found again (transformers.js' layout: `<cacheDir>/<id>/` for
   * `main`, `<cacheDir>/<id>/<revision>/` otherwise).
   * @defaultValue transformers.js' `env.cacheDir`
   */
  cacheDir?: string;
  /** Hub revision (branch, tag, commit, or a `refs/pr/N` holding a safetensors conversion). @defaultValue `'main'` */
  revision?: string;
  /**
   * Which tensors to read, by checkpoint name; the others are not read from disk (a top-k layer
   * stack needs a few layers of a large file: `textLayersWeightFilter` of `@mmaux/fusion`).
   * @defaultValue every float tensor
   */
  include?: (name: string) => boolean;
  /**
   * Progress of downloads: bytes of `file` so far and its size when the server says.
   */
  onProgress?: (progress: { file: string; loaded: number; total: number | null }) => void;
  /**
   * The fetch used for downloads. @defaultValue transformers.js' `env.fetch` (the global fetch
   * unless changed); tests pass one that serves local files
   */
  fetch?: (url: string, init?: { headers?: Record<string, string> }) => Promise<Response>;
}

const FN = 'loadHfEncoderWeights';
const WEIGHTS = 'model.safetensors';
const INDEX = 'model.safetensors.index.json';
const BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
const FLOATS = new Set(['F32', 'F16', 'BF16', 'F64']);

const failLoad = (message: string, cause?: unknown): never => {
  throw new MmauxEncoderError('MODEL_LOAD_FAILED', `${FN}: ${message}`, cause === undefined ? undefined : { cause });
};

/** Float32 values of `bytes` (little-endian, as safetensors stores them) of a float `dtype`. */
function toFloat32(dtype: HfWeightDtype, bytes: Uint8Array): Float32Array {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes); // aligned storage for the typed views
  switch (dtype) {
    case 'F32':
      return new Float32Array(copy.buffer);
    case 'F16':
      return float16ToFloat32(new Uint16Array(copy.buffer));
    case 'BF16': {
      // bfloat16 is the top half of a float32
      const half = new Uint16Array(copy.buffer);
      const bits = new Uint32Array(half.length);
      for (let i = 0; i < half.length; i++) bits[i] = (half[i] as number) << 16;
      return new Float32Array(bits.buffer);
    }
    case 'F64':
      return Float32Array.from(new Float64Array(copy.buffer));
  }
}

/** Reads the float tensors `include` selects from one safetensors file, by positional reads. */
async function readWeightsFile(file: string, include: (name: string) => boolean, into: Map<string, HfEncoderTensor>, skipped: string[]): Promise<void> {
  const fh = await open(file, 'r').catch((e: unknown) => failLoad(`cannot open ${file}: ${(e as Error).message}`, e));
  try {
    const size = (await fh.stat()).size;
    const prefix = new Uint8Array(8);
    await fh.read(prefix, 0, 8, 0);
    const length = size >= 8 ? Number(new DataView(prefix.buffer).getBigUint64(0, true)) : -1;
    if (length < 2 || 8 + length > size) failLoad(`${file} is not a safetensors file (header length ${length}, file ${size} bytes); download it again.`);
    const raw = new Uint8Array(length);
    await fh.read(raw, 0, length, 8);
    let header: Record<string, { dtype?: unknown; shape?: unknown; data_offsets?: unknown }>;
    try {
      header = JSON.parse(new TextDecoder().decode(raw)) as typeof header;
    } catch (e) {
      return failLoad(`${file}: the header is not JSON (${(e as Error).message}); download it again.`, e);
    }
    const dataStart = 8 + length;
    for (const [name, t] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      const dtype = String(t?.dtype);
      const shape = t?.shape;
      const offsets = t?.data_offsets;
      if (!(dtype in BYTES) || !Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0) || !Array.isArray(offsets) || offsets.length !== 2) {
        failLoad(`${file}: tensor ${name} has an unreadable entry (dtype ${dtype}, shape ${JSON.stringify(shape)}, data_offsets ${JSON.stringify(offsets)}).`);
      }
      const [begin, end] = offsets as [number, number];
      const count = (shape as number[]).reduce((a, b) => a * b, 1);
      if (end - begin !== count * BYTES[dtype]! || begin < 0 || dataStart + end > size) {
        failLoad(`${file}: tensor ${name} (${dtype}[${(shape as number[]).join(', ')}]) lies outside the file or has the wrong size; the file is truncated or damaged, download it again.`);
      }
      if (!FLOATS.has(dtype)) {
        skipped.push(name);
        continue;
      }
      if (!include(name)) continue;
      const bytes = new Uint8Array(end - begin);
      await fh.read(bytes, 0, bytes.length, dataStart + begin);
      if (into.has(name)) failLoad(`tensor ${name} is in two shards (${file} and an earlier one); the index is inconsistent.`);
      into.set(name, { shape: shape as number[], data: toFloat32(dtype as HfWeightDtype, bytes), dtype: dtype as HfWeightDtype });
    }
  } finally {
    await fh.close();
  }
}

/** The safetensors files of a folder: `model.safetensors`, or the shards its index lists; null when neither exists. */
function weightFiles(folder: string): string[] | null {
  if (existsSync(join(folder, WEIGHTS))) return [WEIGHTS];
  if (!existsSync(join(folder, INDEX))) return null;
  let index: { weight_map?: Record<string, string> };
  try {
    index = JSON.parse(readFileSync(join(folder, INDEX), 'utf8')) as typeof index;
  } catch (e) {
    return failLoad(`${join(folder, INDEX)} is not JSON (${(e as Error).message}).`, e);
  }
  const files = [...new Set(Object.values(index.weight_map ?? {}))].sort();
  if (files.length === 0) failLoad(`${join(folder, INDEX)} lists no shards (weight_map is empty).`);
  return files;
}

/** Why a folder is not usable, in words: what is missing and what else it holds. */
function folderProblem(folder: string): string | null {
  if (!existsSync(join(folder, 'config.json'))) return `${join(folder, 'config.json')} does not exist`;
  if (weightFiles(folder) !== null) return null;
  const others = readdirSync(folder).filter((f) => /\.(bin|pt|pth|h5|msgpack|onnx)$/.test(f) || f === 'onnx');
  return (
    `${join(folder, WEIGHTS)} does not exist` +
    (others.length > 0 ? ` (the folder has ${others.join(', ')}: ONNX conversions such as Xenova/* ship no PyTorch weights, and pytorch_model.bin must be converted first)` : '')
  );
}

const HOW_TO =
  'Provide a folder with config.json and model.safetensors: `huggingface-cli download <hub id> config.json model.safetensors --local-dir <dir>` ' +
  "(for a repository with only pytorch_model.bin: `python -c \"from transformers import AutoModel; AutoModel.from_pretrained('<hub id>').save_pretrained('<dir>')\"`, " +
  "or pass revision: 'refs/pr/<n>' of the hub's safetensors conversion pull request), then pass the folder as an absolute or ./relative path.";

/** Streams `url` to `file` through a temporary name and a rename. */
async function download(
  fetchFn: NonNullable<HfEncoderWeightsOptions['fetch']>,
  url: string,
  file: string,
  label: string,
  onProgress: HfEncoderWeightsOptions['onProgress'],
): Promise<'ok' | 'missing'> {
  const token = process.env.HF_TOKEN ?? process.env.HF_ACCESS_TOKEN;
  let response: Response;
  try {
    response = await fetchFn(url, token ? { headers: { Authorization: `Bearer ${token}` } } : undefined);
  } catch (e) {
    throw new MmauxEncoderError('MODEL_NOT_FOUND', `${FN}: cannot reach ${url} (${(e as Error).message}); offline, set allowRemote: false and provide the files locally. ${HOW_TO}`, { cause: e });
  }
  if (response.status === 404) return 'missing';
  if (!response.ok || response.body === null) {
    const hint = response.status === 401 || response.status === 403 ? ' (a gated or private repository: set HF_TOKEN to a token that may read it)' : '';
    throw new MmauxEncoderError('MODEL_NOT_FOUND', `${FN}: ${url} answered ${response.status} ${response.statusText}${hint}.`);
  }
  const total = Number(response.headers.get('content-length')) || null;
  await mkdir(dirname(file), { recursive: true });
  const tmp = temporaryName(file);
  const fh = await open(tmp, 'w');
  let loaded = 0;
  try {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      await fh.write(value);
      loaded += value.length;
      onProgress?.({ file: label, loaded, total });
    }
    if (total !== null && loaded !== total) throw new Error(`the download stopped at ${loaded} of ${total} bytes`);
    await fh.sync();
    await fh.close();
    await rename(tmp, file);
    await syncDir(dirname(file));
  } catch (e) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true });
    throw new MmauxEncoderError('MODEL_NOT_FOUND', `${FN}: downloading ${url} failed: ${(e as Error).message}; try again.`, { cause: e });
  }
  return 'ok';
}

/**
 * Reads a BERT-family (or any) Hugging Face model's `config.json` and PyTorch weights
 * (`model.safetensors`, or the shards of `model.safetensors.index.json`) as float32 arrays by
 * tensor name — F32, F16, BF16 and F64 tensors are converted; other dtypes are listed in
 * `skipped`. `spec` is `hf:<folder>` / `hf:<hub id>` (or the same without `hf:`), as for
 * `createTextEncoder`: a path (absolute, `./`, `../`, `~/`) is read as it is; a hub id is looked
 * up under `localModelPath`, then in transformers.js' cache, then — when remote loading is
 * allowed — downloaded there from `<remoteHost>/<id>/resolve/<revision>/` (atomically; `HF_TOKEN`
 * is sent when set). Offline, a missing file is an error that names it and every folder looked at.
 *
 * @param spec - `hf:<folder or hub id>`
 * @param options - remote loading, folders, revision, which tensors, download progress
 * @returns `{ config, weights, folder, files, skipped }`
 * @throws MmauxEncoderError `INVALID_SPEC` (empty spec), `MODEL_NOT_FOUND` (no config.json or
 *   no safetensors weights where looked; a failed download), `MODEL_LOAD_FAILED` (a malformed
 *   config.json or safetensors file)
 *
 * @example
 * ```ts
 * const dir = await mkdtemp(join(tmpdir(), 'hfw-'));
 * await writeFile(join(dir, 'config.json'), JSON.stringify({ model_type: 'bert', hidden_size: 2 }));
 * const w = new Float32Array([1, 2, 3, 4]);
 * await writeSafetensors(join(dir, 'model.safetensors'), [
 *   { name: 'bert.pooler.dense.weight', dtype: 'F32', shape: [2, 2], data: new Uint8Array(w.buffer) },
 *   { name: 'bert.embeddings.position_ids', dtype: 'I64', shape: [1, 2], data: new Uint8Array(16) },
 * ]);
 * const loaded = await loadHfEncoderWeights(`hf:${dir}`);
 * loaded.config.model_type; // "bert"
 * loaded.weights.get('bert.pooler.dense.weight').shape; // [2, 2]
 * Array.from(loaded.weights.get('bert.pooler.dense.weight').data); // [1, 2, 3, 4]
 * loaded.skipped; // ["bert.embeddings.position_ids"]
 * let code = '';
 * try { await loadHfEncoderWeights(join(dir, 'nothing-here')); } catch (e) { code = e.code; }
 * code; // "MODEL_NOT_FOUND"
 * ```
 */
export async function loadHfEncoderWeights(spec: string, options: HfEncoderWeightsOptions = {}): Promise<HfEncoderWeights> {
  if (typeof spec !== 'string') throw new MmauxEncoderError('INVALID_SPEC', `${FN}: spec must be a string (hf:<folder or hub id>), got ${typeof spec}.`);
  const ref = (spec.startsWith('hf:') ? spec.slice(3) : spec).trim();
  if (ref.length === 0) throw new MmauxEncoderError('INVALID_SPEC', `${FN}: "${spec}" names no model; write hf:<hub id> or hf:<folder>.`);
  const include = options.include ?? (() => true);
  const expanded = ref.startsWith('~/') ? join(homedir(), ref.slice(2)) : ref;
  const pathLike = isAbsolute(expanded) || /^\.\.?[\\/]/.test(ref) || ref.startsWith('~/') || ref.includes('\\') || existsSync(join(expanded, 'config.json'));

  let folder: string | null = null;
  const looked: string[] = [];
  if (pathLike) {
    folder = resolve(expanded);
    const problem = folderProblem(folder);
    if (problem !== null) throw new MmauxEncoderError('MODEL_NOT_FOUND', `${FN}: no weights for "${spec}": ${problem}. ${HOW_TO}`);
  } else {
    // Defaults from transformers.js' env, read only for hub ids (a folder needs no ONNX Runtime).
    const env = (await loadTransformers()).env as { allowRemoteModels: boolean; localModelPath: string; cacheDir: string | null; remoteHost: string; remotePathTemplate?: string; fetch?: HfEncoderWeightsOptions['fetch'] };
    const revision = options.revision ?? 'main';
    const localModelPath = options.localModelPath ?? env.localModelPath;
    const cacheDir = options.cacheDir ?? env.cacheDir ?? null;
    const candidates = [{ dir: resolve(localModelPath, ref), label: 'localModelPath' }];
    if (cacheDir !== null) candidates.push({ dir: revision === 'main' ? resolve(cacheDir, ref) : resolve(cacheDir, ref, revision), label: "transformers.js' cache" });
    for (const c of candidates) {
      const problem = folderProblem(c.dir);
      if (problem === null) {
        folder = c.dir;
        break;
      }
      looked.push(`${c.dir} (${c.label}: ${problem})`);
    }
    if (folder === null) {
      const allowRemote = options.allowRemote ?? env.allowRemoteModels;
      if (!allowRemote || cacheDir === null) {
        throw new MmauxEncoderError(
          'MODEL_NOT_FOUND',
          `${FN}: no local weights for "${spec}": looked in ${looked.join('; ')}; downloads are off (${cacheDir === null ? 'no cacheDir to download into' : 'allowRemote: false'}). ${HOW_TO}`,
        );
      }
      const target = candidates[1]!.dir;
      const fetchFn = options.fetch ?? env.fetch ?? (globalThis.fetch as NonNullable<HfEncoderWeightsOptions['fetch']>);
      const base = `${env.remoteHost.replace(/\/$/, '')}/${(env.remotePathTemplate ?? '{model}/resolve/{revision}/').replaceAll('{model}', ref).replaceAll('{revision}', encodeURIComponent(revision))}`;
      const get = (file: string) => download(fetchFn, `${base}${file}`, join(target, file), file, options.onProgress);
      if ((await get('config.json')) === 'missing') throw new MmauxEncoderError('MODEL_NOT_FOUND', `${FN}: ${base}config.json does not exist: "${ref}" at revision ${revision} is not a model repository.`);
      if ((await get(WEIGHTS)) === 'missing') {
        if ((await get(INDEX)) === 'missing') {
          throw new MmauxEncoderError('MODEL_NOT_FOUND', `${FN}: "${ref}" at revision ${revision} has neither ${WEIGHTS} nor ${INDEX} on the hub. ${HOW_TO}`);
        }
        for (const shard of weightFiles(target)!) if ((await get(shard)) === 'missing') throw new MmauxEncoderError('MODEL_NOT_FOUND', `${FN}: ${base}${shard}, listed in ${INDEX}, does not exist.`);
      }
      folder = target;
    }
  }

  let config: Record<string, unknown>;
  try {
    config = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8')) as Record<string, unknown>;
  } catch (e) {
    return failLoad(`${join(folder, 'config.json')} is not JSON (${(e as Error).message}).`, e);
  }
  if (config === null || typeof config !== 'object' || Array.isArray(config)) failLoad(`${join(folder, 'config.json')} does not hold a JSON object.`);
  const files = weightFiles(folder)!;
  const weights = new Map<string, HfEncoderTensor>();
  const skipped: string[] = [];
  for (const f of files) {
    if (!existsSync(join(folder, f))) throw new MmauxEncoderError('MODEL_NOT_FOUND', `${FN}: ${join(folder, f)}, listed in ${INDEX}, does not exist; download every shard.`);
    await readWeightsFile(join(folder, f), include, weights, skipped);
  }
  return { config, weights, folder, files, skipped };
}
