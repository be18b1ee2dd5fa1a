import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** @internal The part of transformers.js this package uses, typed loosely (its JSDoc types are wide). */
export interface TransformersModule {
  env: { allowRemoteModels: boolean; localModelPath: string; cacheDir: string | null; remoteHost: string; version: string };
  AutoConfig: { from_pretrained(id: string, options?: Record<string, unknown>): Promise<Record<string, unknown>> };
  AutoModel: ModelClass;
  AutoTokenizer: { from_pretrained(id: string, options?: Record<string, unknown>): Promise<HfTokenizer> };
  AutoImageProcessor: { from_pretrained(id: string, options?: Record<string, unknown>): Promise<HfImageProcessor> };
  CLIPTextModelWithProjection: ModelClass;
  CLIPVisionModelWithProjection: ModelClass;
  SiglipTextModel: ModelClass;
  SiglipVisionModel: ModelClass;
  RawImage: new (data: Uint8Array | Uint8ClampedArray, width: number, height: number, channels: 1 | 2 | 3 | 4) => unknown;
}

/** @internal */
export interface HfTensor {
  dims: number[];
  type: string;
  data: ArrayLike<number> | BigInt64Array;
  dispose?: () => void;
}

/** @internal */
export interface HfModel {
  (inputs: Record<string, unknown>): Promise<Record<string, HfTensor>>;
  dispose(): Promise<unknown>;
  sessions?: Record<string, { inputNames?: string[] }>;
}

/** @internal */
export interface ModelClass {
  from_pretrained(id: string, options?: Record<string, unknown>): Promise<HfModel>;
}

/** @internal */
export type HfTokenizer = (texts: string[], options: Record<string, unknown>) => Record<string, HfTensor>;

/** @internal */
export type HfImageProcessor = (images: unknown[]) => Promise<Record<string, HfTensor>>;

let loading: Promise<TransformersModule> | undefined;

/** @internal Loads `@huggingface/transformers` (and so ONNX Runtime) on first use only. */
export function loadTransformers(): Promise<TransformersModule> {
  loading ??= import('@huggingface/transformers') as unknown as Promise<TransformersModule>;
  return loading;
}

/**
 * Whether ONNX Runtime's CUDA execution provider is installed next to the `onnxruntime-node`
 * that transformers.js uses (Linux x64 only: `libonnxruntime_providers_cuda.so`, which
 * `onnxruntime-node`'s install script downloads with `ONNXRUNTIME_NODE_INSTALL=cuda12`; the
 * npm package itself ships CPU binaries only). `device: 'auto'` picks CUDA when this is true.
 *
 * @returns `true` when the provider library is present
 *
 * @example
 * ```ts
 * typeof cudaExecutionProviderInstalled(); // "boolean"
 * ```
 */
export function cudaExecutionProviderInstalled(): boolean {
  if (process.platform !== 'linux' || process.arch !== 'x64') return false;
  try {
    const fromHere = createRequire(import.meta.url);
    const transformers = fromHere.resolve('@huggingface/transformers');
    const ortEntry = createRequire(transformers).resolve('onnxruntime-node');
    let root = dirname(ortEntry);
    while (!existsSync(join(root, 'package.json')) && dirname(root) !== root) root = dirname(root);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { binary?: { napi_versions?: number[] } };
    const napi = pkg.binary?.napi_versions?.[0] ?? 6;
    return existsSync(join(root, 'bin', `napi-v${napi}`, 'linux', 'x64', 'libonnxruntime_providers_cuda.so'));
  } catch {
    return false;
  }
}
