import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { MmauxEncoderError } from './errors.js';
import { float16ToFloat32 } from './float16.js';
import { type HfModel, type ModelClass, type TransformersModule, cudaExecutionProviderInstalled, loadTransformers } from './hf-runtime.js';
import { oneOf, positiveInt } from './validate.js';

/** ONNX weight variants transformers.js can load (file suffixes `''`, `_fp16`, `_quantized`, …). */
export type HfDtype = 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4' | 'q4f16' | 'bnb4';

/** How a transformers.js encoder turns its hidden states into one vector per input. */
export type HfPooling = 'first' | 'last' | 'mean' | 'pooler';

/** Options of the `hf:` encoders (transformers.js + ONNX Runtime). */
export interface HfEncoderOptions {
  /**
   * Allow downloads from the Hugging Face hub (into `cacheDir`). When `false`, only local folders
   * (and files already in transformers.js' cache) are used.
   * @defaultValue transformers.js' `env.allowRemoteModels` (true unless you changed it)
   */
  allowRemote?: boolean;
  /**
   * Where a hub id is looked up as a local folder first: `<localModelPath>/<hub id>/`.
   * @defaultValue transformers.js' `env.localModelPath`
   */
  localModelPath?: string;
  /**
   * transformers.js' download cache.
   * @defaultValue transformers.js' `env.cacheDir`
   */
  cacheDir?: string;
  /**
   * Hub revision (branch, tag or commit); pin a commit so the encoder id (and the cache) stay
   * valid when the repository changes.
   * @defaultValue `'main'`
   */
  revision?: string;
  /**
   * Which ONNX weights: `'fp32'` loads `onnx/model.onnx`, `'q8'` `onnx/model_quantized.onnx`,
   * `'fp16'` `onnx/model_fp16.onnx`, etc. (transformers.js' naming).
   * @defaultValue `'fp32'` (or `'q8'` when `quantized` is true)
   */
  dtype?: HfDtype;
  /**
   * Shorthand for `dtype: 'q8'` (the `*_quantized.onnx` that converted repositories ship).
   * @defaultValue false
   */
  quantized?: boolean;
  /**
   * ONNX Runtime execution provider: `'cpu'`, `'cuda'` (needs the CUDA provider, see
   * {@link cudaExecutionProviderInstalled}; `CUDA_UNAVAILABLE` otherwise), or `'auto'` (CUDA
   * when installed, else CPU). Not part of the id: CPU and CUDA give the same features up to
   * float rounding.
   * @defaultValue `'cpu'`
   */
  device?: 'cpu' | 'cuda' | 'auto';
  /**
   * Inputs per ONNX Runtime call inside `encode`.
   * @defaultValue 16 (text), 8 (images)
   */
  batchSize?: number;
  /**
   * ONNX Runtime intra-op threads (the threads one call uses).
   * @defaultValue ONNX Runtime's default (one per physical core)
   */
  intraOpThreads?: number;
  /**
   * Pooled vector: `'first'` (the first token: `[CLS]` / `<s>` for text, CLS for ViT-like
   * models), `'last'` (text: the last real token, CLIP's EOS), `'mean'` (masked mean over
   * tokens; for images the mean over the grid), `'pooler'` (the model's `pooler_output`).
   * @defaultValue `'first'`; `'mean'` for models whose output is a spatial map (ResNet); for
   *   CLIP / SigLIP towers `'pooler'` when the ONNX file has a `pooler_output`, else `'last'`
   *   (text) / `'first'` (vision)
   */
  pooling?: HfPooling;
}

const DTYPE_SUFFIX: Record<HfDtype, string> = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
};

const SIDE_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'preprocessor_config.json'];

/** @internal A loaded model and what the encoder id needs. */
export interface LoadedHfModel {
  transformers: TransformersModule;
  model: HfModel;
  config: Record<string, unknown>;
  /** What transformers.js loads from: an absolute folder or a hub id. */
  location: string;
  /** Options for tokenizer / processor loading. */
  loadOptions: Record<string, unknown>;
  /** `hf:<name>;files=<hash>` or `hf:<hub id>;rev=<revision>`. */
  idBase: string;
  modelType: string;
  dtype: HfDtype;
  device: 'cpu' | 'cuda';
  batchSize: number;
  pooling: HfPooling | undefined;
  /** Folder holding the files (local or transformers.js' cache), for messages. */
  folder: string | null;
}

const fingerprints = new Map<string, string>();

async function fileSha256(file: string): Promise<string> {
  const st = statSync(file);
  const memo = `${file}:${st.size}:${st.mtimeMs}`;
  const known = fingerprints.get(memo);
  if (known) return known;
  const hash = createHash('sha256');
  await new Promise<void>((done, fail) => {
    createReadStream(file, { highWaterMark: 4 << 20 })
      .on('data', (c) => hash.update(c))
      .on('end', () => done())
      .on('error', fail);
  });
  const hex = hash.digest('hex');
  fingerprints.set(memo, hex);
  return hex;
}

/** @internal sha256 over the files that determine the output (config, tokenizer, processor, weights). */
async function folderFingerprint(folder: string, modelFile: string): Promise<string> {
  const files = SIDE_FILES.filter((f) => existsSync(join(folder, f)));
  files.push(modelFile);
  const dir = join(folder, modelFile, '..');
  const base = basename(modelFile);
  for (const name of existsSync(dir) ? readdirSync(dir).sort() : []) {
    if (name.startsWith(`${base}_data`)) files.push(join(modelFile, '..', name));
  }
  const h = createHash('sha256');
  for (const f of files) h.update(`${f.replace(/\\/g, '/')}\0${await fileSha256(join(folder, f))}\n`);
  return h.digest('hex').slice(0, 16);
}

function howToProvide(ref: string, localModelPath: string): string {
  const hubLike = !isAbsolute(ref) && !ref.startsWith('.');
  return (
    'Provide the model as a folder with config.json, the tokenizer files (tokenizer.json, tokenizer_config.json) or ' +
    'preprocessor_config.json, and onnx/model.onnx: ' +
    (hubLike
      ? `download an ONNX conversion (e.g. \`git clone https://huggingface.co/Xenova/${ref.split('/').pop()}\`) into ${join(localModelPath, ref)}, or `
      : '') +
    'convert the PyTorch checkpoint with `optimum-cli export onnx --model <hub id> --task feature-extraction <out>` and move ' +
    '<out>/model.onnx to <out>/onnx/model.onnx, then pass "hf:<out>" (an absolute or ./relative path)' +
    (hubLike ? ', or allow downloads with { allowRemote: true } on a machine that reaches huggingface.co' : '') +
    '. See the README of @mmaux/encoders.'
  );
}

/** @internal Turns a `hf:` spec into a loaded model (or a typed error). */
export async function loadHfModel(fn: string, spec: string, which: 'text' | 'image', options: HfEncoderOptions): Promise<LoadedHfModel> {
  const ref = spec.slice(3).trim();
  if (ref.length === 0) throw new MmauxEncoderError('INVALID_SPEC', `${fn}: "${spec}" names no model; write hf:<hub id> or hf:<folder>, e.g. hf:Xenova/bert-base-uncased or hf:./models/bert.`);
  const transformers = await loadTransformers();
  const { env } = transformers;
  const dtype: HfDtype = options.dtype !== undefined
    ? oneOf(fn, 'dtype', options.dtype, Object.keys(DTYPE_SUFFIX) as HfDtype[], 'fp32')
    : options.quantized ? 'q8' : 'fp32';
  const deviceOption = oneOf(fn, 'device', options.device, ['cpu', 'cuda', 'auto'] as const, 'cpu');
  const batchSize = positiveInt(fn, 'batchSize', options.batchSize, which === 'text' ? 16 : 8, 4096);
  const pooling = options.pooling === undefined ? undefined : oneOf(fn, 'pooling', options.pooling, ['first', 'last', 'mean', 'pooler'] as const, 'first');
  const intraOp = options.intraOpThreads === undefined ? undefined : positiveInt(fn, 'intraOpThreads', options.intraOpThreads, 1, 1024);
  const allowRemote = options.allowRemote ?? env.allowRemoteModels;
  const localModelPath = options.localModelPath ?? env.localModelPath;
  const revision = options.revision ?? 'main';
  const cacheDir = options.cacheDir ?? env.cacheDir ?? null;

  // Local folder, or hub id (first looked up under localModelPath).
  const expanded = ref.startsWith('~/') ? join(homedir(), ref.slice(2)) : ref;
  const pathLike = isAbsolute(expanded) || ref.startsWith('./') || ref.startsWith('../') || ref.startsWith('~/') || ref.includes('\\') || existsSync(join(expanded, 'config.json'));
  let folder: string | null = null;
  const looked: string[] = [];
  if (pathLike) {
    folder = resolve(expanded);
    looked.push(folder);
  } else {
    const candidate = resolve(localModelPath, ref);
    looked.push(`${candidate} (localModelPath)`);
    if (existsSync(join(candidate, 'config.json'))) folder = candidate;
    else if (cacheDir && revision === 'main') {
      // downloaded earlier into transformers.js' cache: usable offline as a folder
      const cached = resolve(cacheDir, ref);
      looked.push(`${cached} (transformers.js cache)`);
      if (existsSync(join(cached, 'config.json'))) folder = cached;
    }
  }
  if (folder !== null && !existsSync(join(folder, 'config.json'))) {
    throw new MmauxEncoderError('MODEL_NOT_FOUND', `${fn}: no model for "${spec}": ${join(folder, 'config.json')} does not exist. ${howToProvide(ref, localModelPath)}`);
  }
  if (folder === null && !allowRemote) {
    throw new MmauxEncoderError(
      'MODEL_NOT_FOUND',
      `${fn}: no local model for "${spec}": looked in ${looked.join(', ')}; downloads are off (allowRemote: false). ${howToProvide(ref, localModelPath)}`,
    );
  }
  const location = folder ?? ref;
  const localOnly = folder !== null || !allowRemote;
  const loadOptions: Record<string, unknown> = { local_files_only: localOnly, revision, ...(cacheDir ? { cache_dir: cacheDir } : {}) };

  let config: Record<string, unknown>;
  try {
    config = await transformers.AutoConfig.from_pretrained(location, loadOptions);
  } catch (e) {
    throw new MmauxEncoderError(
      'MODEL_NOT_FOUND',
      `${fn}: cannot load config.json of "${spec}" (looked in ${looked.join(', ')}${folder ? '' : `, transformers.js' cache ${cacheDir ?? '(none)'} and ${env.remoteHost}`}): ${(e as Error).message}. ${howToProvide(ref, localModelPath)}`,
      { cause: e },
    );
  }
  const modelType = String(config.model_type ?? '');
  let modelClass: ModelClass = transformers.AutoModel;
  let modelFileName = 'model';
  if (modelType === 'clip' || modelType === 'clip_text_model' || modelType === 'clip_vision_model') {
    // the *WithProjection classes are the ones transformers.js registers; with model_file_name
    // they load the same text_model.onnx / vision_model.onnx and return every output of it
    modelClass = which === 'text' ? transformers.CLIPTextModelWithProjection : transformers.CLIPVisionModelWithProjection;
    modelFileName = which === 'text' ? 'text_model' : 'vision_model';
  } else if (modelType === 'siglip' || modelType === 'siglip_text_model' || modelType === 'siglip_vision_model') {
    modelClass = which === 'text' ? transformers.SiglipTextModel : transformers.SiglipVisionModel;
    modelFileName = which === 'text' ? 'text_model' : 'vision_model';
  }
  const fileName = `${modelFileName}${DTYPE_SUFFIX[dtype]}.onnx`;
  let subfolder = 'onnx';
  if (folder !== null) {
    if (!existsSync(join(folder, 'onnx', fileName))) {
      if (existsSync(join(folder, fileName))) subfolder = '';
      else {
        const available = [
          ...(existsSync(join(folder, 'onnx')) ? readdirSync(join(folder, 'onnx')).filter((f) => f.endsWith('.onnx')).map((f) => `onnx/${f}`) : []),
          ...readdirSync(folder).filter((f) => f.endsWith('.onnx')),
        ];
        throw new MmauxEncoderError(
          'MODEL_NOT_FOUND',
          `${fn}: "${spec}" has no ${dtype} weights: neither ${join(folder, 'onnx', fileName)} nor ${join(folder, fileName)} exists` +
            (available.length > 0 ? ` (the folder has ${available.join(', ')}; pick them with dtype / quantized)` : '') +
            `. ${howToProvide(ref, localModelPath)}`,
        );
      }
    }
  }

  const cudaHint =
    'Install it with `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node` (Linux x64; needs CUDA 12, cuDNN 9 and access to the NuGet feed), ' +
    "or use device: 'cpu' / 'auto'.";
  if (deviceOption === 'cuda' && !cudaExecutionProviderInstalled()) {
    throw new MmauxEncoderError(
      'CUDA_UNAVAILABLE',
      `${fn}: device 'cuda' was asked for "${spec}" but ONNX Runtime's CUDA execution provider (libonnxruntime_providers_cuda.so next to onnxruntime-node's binding) is not installed: ` +
        `onnxruntime-node ships CPU binaries only. ${cudaHint}`,
    );
  }
  let device: 'cpu' | 'cuda' = deviceOption === 'auto' ? (cudaExecutionProviderInstalled() ? 'cuda' : 'cpu') : deviceOption;
  const sessionOptions: Record<string, unknown> = intraOp === undefined ? {} : { intraOpNumThreads: intraOp, interOpNumThreads: 1 };
  const load = (d: 'cpu' | 'cuda') =>
    modelClass.from_pretrained(location, {
      ...loadOptions,
      dtype,
      device: d,
      subfolder,
      model_file_name: modelFileName,
      session_options: sessionOptions,
    });
  let model: HfModel;
  try {
    model = await load(device);
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    const cudaFailure = device === 'cuda' && /cuda|providers_shared|shared library|execution provider/i.test(msg);
    if (cudaFailure && deviceOption === 'auto') {
      device = 'cpu';
      model = await load('cpu').catch((e2: unknown) => {
        throw new MmauxEncoderError('MODEL_LOAD_FAILED', `${fn}: ONNX Runtime could not load "${spec}" on the CPU either: ${(e2 as Error).message}`, { cause: e2 });
      });
    } else if (cudaFailure) {
      throw new MmauxEncoderError(
        'CUDA_UNAVAILABLE',
        `${fn}: device 'cuda' was asked for "${spec}" but ONNX Runtime's CUDA execution provider failed to start (${msg.split('\n')[0]}). ${cudaHint}`,
        { cause: e },
      );
    } else if ((e as Error).name === 'ModelFileNotFoundError') {
      throw new MmauxEncoderError('MODEL_NOT_FOUND', `${fn}: the weights of "${spec}" are missing: ${msg}. ${howToProvide(ref, localModelPath)}`, { cause: e });
    } else {
      throw new MmauxEncoderError('MODEL_LOAD_FAILED', `${fn}: ONNX Runtime could not load ${subfolder ? `${subfolder}/` : ''}${fileName} of "${spec}": ${msg}`, { cause: e });
    }
  }

  // Identity: content of the files when they are on disk (local folder, or transformers.js'
  // cache after a download), else the hub id and revision.
  let idBase: string;
  const filesFolder = folder ?? (cacheDir ? (revision === 'main' ? join(cacheDir, ref) : join(cacheDir, ref, revision)) : null);
  const modelPath = join(subfolder, fileName);
  if (filesFolder !== null && existsSync(join(filesFolder, 'config.json')) && existsSync(join(filesFolder, modelPath))) {
    idBase = `hf:${pathLike && folder ? basename(folder) : ref};files=${await folderFingerprint(filesFolder, modelPath)}`;
  } else {
    idBase = `hf:${ref};rev=${revision}`;
  }
  const [major, minor] = env.version.split('.');
  idBase += `;dtype=${dtype};tjs=${major}.${minor}`;
  return {
    transformers,
    model,
    config,
    location,
    loadOptions,
    idBase,
    modelType,
    dtype,
    device,
    batchSize,
    pooling,
    folder: filesFolder,
  };
}

/** @internal Float32 view of a tensor's data (float16 outputs converted). */
export function tensorFloats(t: { type: string; data: ArrayLike<number> | BigInt64Array }): Float32Array {
  if (t.data instanceof Float32Array) return t.data;
  if (t.type === 'float16' && t.data instanceof Uint16Array) return float16ToFloat32(t.data);
  return Float32Array.from(t.data as ArrayLike<number>);
}
