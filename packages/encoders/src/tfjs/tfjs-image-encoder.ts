import { type DecodedImage, DEFAULT_LIMIT_INPUT_PIXELS, preprocessImage } from '@mmaux/datasets';
import { MmauxEncoderError } from '../errors.js';
import { checkImages, decodeInput } from '../image-input.js';
import type { ImageFeatureEncoder, ImageFeatures, ImageInput, PatchGrid } from '../types.js';
import { mapLimit, positiveInt } from '../validate.js';
import { type FeaturePlan, fillFeatures, planFeatures, selectFeatureNodes } from './feature-nodes.js';
import { resolveImageInput } from './image-presets.js';
import { loadModelSource, resolveModelLocation } from './model-source.js';
import { disposeAll, tensorFloats } from './tensor-data.js';
import type { TfjsImageEncoderOptions } from './tfjs-options.js';
import { type ModelInput, type TfjsRunner, loadTfjsRunner } from './tfjs-model.js';
import { loadTfjsCore } from './tfjs-runtime.js';

/** The one image input of a model: NHWC with 3 channels, float32 or int32. */
function imageInput(fn: string, spec: string, inputs: readonly ModelInput[]): { input: ModelInput; size: { height: number; width: number } | null } {
  const list = inputs.map((i) => `${i.name} ${i.dtype}[${i.shape?.join(', ') ?? '?'}]`).join(', ');
  const input = inputs[0];
  if (inputs.length !== 1 || input === undefined) {
    throw new MmauxEncoderError('UNSUPPORTED_MODEL', `${fn}: "${spec}" has ${inputs.length} inputs (${list}); an image encoder needs a model with one image input [batch, height, width, 3].`);
  }
  const shape = input.shape;
  if (shape !== null && (shape.length !== 4 || (shape[3] !== 3 && shape[3] !== -1))) {
    const nchw = shape.length === 4 && shape[1] === 3;
    throw new MmauxEncoderError(
      'UNSUPPORTED_MODEL',
      `${fn}: the input of "${spec}" is ${list}; an image encoder needs [batch, height, width, 3] (NHWC)` +
        (nchw ? ': this looks channels-first (NCHW), which TensorFlow.js kernels do not run; re-export the model channels-last.' : '.'),
    );
  }
  if (input.dtype !== 'float32' && input.dtype !== 'int32') {
    throw new MmauxEncoderError('UNSUPPORTED_MODEL', `${fn}: the image input of "${spec}" is ${input.dtype}; float32 and int32 (pixels 0…255) are supported.`);
  }
  const h = shape?.[1] ?? -1;
  const w = shape?.[2] ?? -1;
  return { input, size: h > 0 && w > 0 ? { height: h, width: w } : null };
}

/** ViT-like token maps: a square grid, or a square grid after one leading (CLS) token. */
function tokenGrid(positions: number): PatchGrid | null {
  for (const prefix of [0, 1]) {
    const side = Math.round(Math.sqrt(positions - prefix));
    if (side > 1 && side * side === positions - prefix) return { rows: side, cols: side, prefixTokens: prefix };
  }
  return null;
}

/**
 * @internal A TensorFlow.js image encoder (`tfjs:` spec): a graph or layers model read from a
 * model.json on disk or a URL, images decoded and resized by `@mmaux/datasets`' sharp pipeline,
 * normalised per the options, fed NHWC; features read at the spec's `#node` or the default node.
 */
export async function createTfjsImageEncoder(spec: string, location: string, node: string | undefined, options: TfjsImageEncoderOptions = {}): Promise<ImageFeatureEncoder> {
  const fn = 'createImageEncoder';
  const concurrency = positiveInt(fn, 'concurrency', options.concurrency, 4, 256);
  const batchSize = positiveInt(fn, 'batchSize', options.batchSize, 16, 4096);
  const where = resolveModelLocation(fn, spec, location);
  const source = await loadModelSource(fn, spec, where, () => loadTfjsCore(fn), options);
  const tf = await loadTfjsCore(fn);
  const runner: TfjsRunner = await loadTfjsRunner(fn, spec, source, tf);
  try {
    const { input, size } = imageInput(fn, spec, runner.inputs);
    const intPixels = input.dtype === 'int32';
    if (intPixels && (options.range !== undefined || options.mean !== undefined || options.preset !== undefined)) {
      throw new MmauxEncoderError('INVALID_OPTION', `${fn}: the input of "${spec}" is int32 (raw pixels 0…255, normalised inside the model), so preset, range and mean / std do not apply; leave them out.`);
    }
    const resolved = resolveImageInput(fn, spec, intPixels ? { ...options, range: [0, 255] } : options, size);
    const { width, height, recipe } = resolved;
    const nodes = selectFeatureNodes(fn, spec, runner.graph, node);

    const run = async (images: DecodedImage[], fetch: string[]): Promise<{ data: Float32Array[]; shapes: number[][] }> => {
      const b = images.length;
      const hwc = new Float32Array(b * height * width * 3);
      const plane = height * width;
      await mapLimit(images, concurrency, async (img, i) => {
        const chw = (await preprocessImage(img, recipe)).data;
        const base = i * plane * 3;
        for (let p = 0; p < plane; p++) {
          for (let c = 0; c < 3; c++) hwc[base + p * 3 + c] = chw[c * plane + p] as number;
        }
      });
      const x = intPixels ? tf.tensor4d(Int32Array.from(hwc, (v) => Math.round(v)), [b, height, width, 3], 'int32') : tf.tensor4d(hwc, [b, height, width, 3]);
      let outs: import('@tensorflow/tfjs-core').Tensor[] = [];
      try {
        outs = await runner.run({ [input.name]: x }, fetch);
        const data = await Promise.all(outs.map((t, i) => tensorFloats(t, `${fn}: the node "${fetch[i]}" of "${spec}"`)));
        return { data, shapes: outs.map((t) => [...t.shape]) };
      } finally {
        disposeAll([x, ...outs]);
      }
    };

    const decodeAll = (images: readonly ImageInput[]) => mapLimit(images, concurrency, (img) => decodeInput(img, options.limitInputPixels));
    const probeImage: DecodedImage = { data: new Uint8Array(width * height * 3).fill(128), width, height, channels: 3 };
    const probeFetch = nodes.sequence === null ? [nodes.feature] : [nodes.feature, nodes.sequence];
    let plan: FeaturePlan;
    try {
      const probe = await run([probeImage], probeFetch);
      plan = planFeatures(fn, spec, nodes, probe.shapes[0]!, probe.shapes[1] ?? null);
    } catch (e) {
      if (e instanceof MmauxEncoderError) throw e;
      throw new MmauxEncoderError('MODEL_LOAD_FAILED', `${fn}: a test run of "${spec}" on a ${width}×${height} image failed: ${(e as Error).message}`, { cause: e });
    }
    const fetch = plan.positionsFrom === 'sequence' ? probeFetch : [nodes.feature];
    const { dim, positions: patches } = plan;
    const grid: PatchGrid | null = plan.grid ? { ...plan.grid, prefixTokens: 0 } : plan.positionsFrom === 'pooled' ? null : tokenGrid(patches);
    const nodePart = plan.positionsFrom === 'sequence' ? `${nodes.feature}+${nodes.sequence}` : nodes.feature;
    const id = `tfjs:${where.label};files=${source.fingerprint};node=${nodePart};size=${height}x${width};${intPixels ? 'pixels=int32' : resolved.idPart};v=1`;
    let disposed = false;

    return {
      kind: 'image',
      spec,
      id,
      dim,
      patches,
      grid: grid ? { ...grid } : null,
      limitInputPixels: options.limitInputPixels ?? DEFAULT_LIMIT_INPUT_PIXELS,
      async encode(images: readonly ImageInput[]): Promise<ImageFeatures> {
        checkImages('imageEncoder.encode', images);
        if (disposed) throw new MmauxEncoderError('INVALID_INPUT', `imageEncoder.encode: ${id} was disposed; create it again.`);
        const n = images.length;
        const out = new Float32Array(n * patches * dim);
        const pooled = new Float32Array(n * dim);
        for (let s = 0; s < n; s += batchSize) {
          const decoded = await decodeAll(images.slice(s, s + batchSize));
          const b = decoded.length;
          const r = await run(decoded, fetch);
          const expected = plan.positionsFrom === 'feature' ? b * patches * dim : b * dim;
          if (r.data[0]!.length !== expected || (plan.positionsFrom === 'sequence' && r.data[1]!.length !== b * patches * dim)) {
            throw new MmauxEncoderError('UNSUPPORTED_MODEL', `${fn}: "${spec}" gave [${r.shapes[0]!.join(', ')}] at ${nodes.feature} for images ${s}…, but ${patches} × ${dim} features per image before.`);
          }
          fillFeatures(plan, b, r.data[0]!, r.data[1] ?? null, out.subarray(s * patches * dim, (s + b) * patches * dim), pooled.subarray(s * dim, (s + b) * dim));
        }
        return { patches: out, pooled, shape: { n, patches, dim }, grid: grid ? { ...grid } : null };
      },
      async dispose(): Promise<void> {
        if (!disposed) {
          disposed = true;
          runner.dispose();
        }
      },
    };
  } catch (e) {
    runner.dispose();
    throw e;
  }
}
