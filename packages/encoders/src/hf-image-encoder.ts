import { type DecodedImage, DEFAULT_LIMIT_INPUT_PIXELS } from '@mmaux/datasets';
import { MmauxEncoderError } from './errors.js';
import { type HfEncoderOptions, type HfPooling, loadHfModel, tensorFloats } from './hf-model.js';
import type { HfImageProcessor } from './hf-runtime.js';
import { checkImages, decodeInput } from './image-input.js';
import type { ImageFeatureEncoder, ImageFeatures, ImageInput, PatchGrid } from './types.js';
import { mapLimit, positiveInt } from './validate.js';

/** Options of a transformers.js image encoder. */
export interface HfImageEncoderOptions extends HfEncoderOptions {
  /**
   * Images decoded at once (sharp, `@mmaux/datasets`' `decodeImage`).
   * @defaultValue 4
   */
  concurrency?: number;
  /**
   * Passed to `decodeImage`: refuse larger images with `IMAGE_TOO_LARGE`.
   * @defaultValue `@mmaux/datasets`' default (178956970 pixels)
   */
  limitInputPixels?: number;
}

interface BatchOut {
  patches: Float32Array; // [b, P, D]
  pooled: Float32Array; // [b, D]
  P: number;
  D: number;
  grid: PatchGrid | null;
}

function patchSizeOf(config: Record<string, unknown>): number | undefined {
  const direct = config.patch_size;
  if (typeof direct === 'number') return direct;
  const vision = config.vision_config as Record<string, unknown> | undefined;
  return typeof vision?.patch_size === 'number' ? vision.patch_size : undefined;
}

/**
 * @internal A transformers.js image encoder (`hf:` spec). Images are decoded by the project's
 * sharp pipeline, handed over as `RawImage`s and resized / normalised by the model's own image
 * processor (`preprocessor_config.json`).
 */
export async function createHfImageEncoder(spec: string, options: HfImageEncoderOptions = {}): Promise<ImageFeatureEncoder> {
  const fn = 'createImageEncoder';
  const concurrency = positiveInt(fn, 'concurrency', options.concurrency, 4, 256);
  const loaded = await loadHfModel(fn, spec, 'image', options);
  const { transformers, model, config } = loaded;
  let processor: HfImageProcessor;
  try {
    processor = await transformers.AutoImageProcessor.from_pretrained(loaded.location, loaded.loadOptions);
  } catch (e) {
    await model.dispose().catch(() => {});
    throw new MmauxEncoderError(
      'MODEL_NOT_FOUND',
      `${fn}: the image processor of "${spec}" is missing or unreadable (${(e as Error).message}); ${loaded.folder ?? loaded.location} needs preprocessor_config.json.`,
      { cause: e },
    );
  }
  const isTower = /^(clip|siglip)/.test(loaded.modelType);
  const patchSize = patchSizeOf(config);
  let pooling: HfPooling | undefined = loaded.pooling;

  const runBatch = async (images: DecodedImage[]): Promise<BatchOut> => {
    const raws = images.map((d) => new transformers.RawImage(d.data, d.width, d.height, 3));
    const inputs = await processor(raws);
    const out = await model(inputs);
    const lhs = out.last_hidden_state;
    if (!lhs || (lhs.dims.length !== 3 && lhs.dims.length !== 4)) {
      throw new MmauxEncoderError(
        'UNSUPPORTED_MODEL',
        `${fn}: "${spec}" gives no last_hidden_state [batch, tokens, dim] or [batch, channels, h, w] (outputs: ${Object.keys(out).join(', ')}); use a base model export (task feature-extraction).`,
      );
    }
    const hidden = tensorFloats(lhs);
    const b = lhs.dims[0] as number;
    let P: number;
    let D: number;
    let grid: PatchGrid | null;
    let patches: Float32Array;
    if (lhs.dims.length === 4) {
      // a spatial map (ResNet, ConvNeXt): [b, C, h, w] → patches [b, h·w, C]
      const [, C, h, w] = lhs.dims as [number, number, number, number];
      P = h * w;
      D = C;
      grid = { rows: h, cols: w, prefixTokens: 0 };
      patches = new Float32Array(b * P * D);
      for (let i = 0; i < b; i++) {
        for (let c = 0; c < C; c++) {
          const src = (i * C + c) * P;
          for (let p = 0; p < P; p++) patches[(i * P + p) * D + c] = hidden[src + p] as number;
        }
      }
      pooling ??= 'mean';
    } else {
      [, P, D] = lhs.dims as [number, number, number];
      patches = hidden.slice(0, b * P * D);
      grid = null;
      const px = inputs.pixel_values;
      if (patchSize && px && px.dims.length === 4) {
        const rows = Math.floor((px.dims[2] as number) / patchSize);
        const cols = Math.floor((px.dims[3] as number) / patchSize);
        const prefix = P - rows * cols;
        if (rows > 0 && cols > 0 && prefix >= 0 && prefix <= 8) grid = { rows, cols, prefixTokens: prefix };
      }
      pooling ??= isTower && out.pooler_output?.dims.reduce((x, y) => x * y, 1) === b * D ? 'pooler' : 'first';
    }
    const pooled = new Float32Array(b * D);
    if (pooling === 'pooler') {
      const p = out.pooler_output;
      if (!p || p.dims.reduce((x, y) => x * y, 1) !== b * D) {
        throw new MmauxEncoderError('UNSUPPORTED_MODEL', `${fn}: pooling 'pooler' needs a pooler_output of size [batch, ${D}], but "${spec}" gives ${p ? `[${p.dims.join(', ')}]` : 'none'}; use pooling 'first' or 'mean'.`);
      }
      pooled.set(tensorFloats(p).subarray(0, b * D));
    } else if (pooling === 'first' || pooling === 'last') {
      if (lhs.dims.length === 4) {
        throw new MmauxEncoderError('INVALID_OPTION', `${fn}: pooling '${pooling}' needs tokens with a CLS first, but "${spec}" gives a spatial map; use 'mean' (the default) or 'pooler'.`);
      }
      if (pooling === 'last') {
        throw new MmauxEncoderError('INVALID_OPTION', `${fn}: pooling 'last' is for text; use 'first' (CLS), 'mean' or 'pooler' for images.`);
      }
      for (let i = 0; i < b; i++) pooled.set(patches.subarray(i * P * D, i * P * D + D), i * D);
    } else {
      const from = grid ? grid.prefixTokens : 0;
      for (let i = 0; i < b; i++) {
        for (let p = from; p < P; p++) for (let d = 0; d < D; d++) pooled[i * D + d]! += (patches[(i * P + p) * D + d] as number) / (P - from);
      }
    }
    for (const t of Object.values(out)) t.dispose?.();
    return { patches, pooled, P, D, grid };
  };

  const decodeAll = (images: readonly ImageInput[]) => mapLimit(images, concurrency, (img) => decodeInput(img, options.limitInputPixels));
  let probe: BatchOut;
  try {
    probe = await runBatch(await decodeAll([{ data: new Uint8Array(64 * 64 * 3).fill(128), width: 64, height: 64, channels: 3 }]));
  } catch (e) {
    await model.dispose().catch(() => {});
    if (e instanceof MmauxEncoderError) throw e;
    throw new MmauxEncoderError('MODEL_LOAD_FAILED', `${fn}: a test run of "${spec}" failed: ${(e as Error).message}`, { cause: e });
  }
  const { D: dim, P: patches, grid } = probe;
  const id = `${loaded.idBase};pool=${pooling as HfPooling}`;
  let disposed = false;

  return {
    kind: 'image',
    spec,
    id,
    dim,
    patches,
    grid: grid ? { ...grid } : null,
    limitInputPixels: options.limitInputPixels ?? DEFAULT_LIMIT_INPUT_PIXELS,
    device: loaded.device,
    async encode(images: readonly ImageInput[]): Promise<ImageFeatures> {
      checkImages('imageEncoder.encode', images);
      if (disposed) throw new MmauxEncoderError('INVALID_INPUT', `imageEncoder.encode: ${id} was disposed; create it again.`);
      const n = images.length;
      const out = new Float32Array(n * patches * dim);
      const pooled = new Float32Array(n * dim);
      for (let s = 0; s < n; s += loaded.batchSize) {
        const decoded = await decodeAll(images.slice(s, s + loaded.batchSize));
        const r = await runBatch(decoded);
        if (r.P !== patches || r.D !== dim) {
          throw new MmauxEncoderError('UNSUPPORTED_MODEL', `${fn}: "${spec}" gave ${r.P} × ${r.D} features for images ${s}…, but ${patches} × ${dim} before; its image processor must give a fixed size.`);
        }
        out.set(r.patches, s * patches * dim);
        pooled.set(r.pooled, s * dim);
      }
      return { patches: out, pooled, shape: { n, patches, dim }, grid: grid ? { ...grid } : null };
    },
    async dispose(): Promise<void> {
      if (!disposed) {
        disposed = true;
        await model.dispose();
      }
    },
  };
}
