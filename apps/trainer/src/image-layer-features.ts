// --finetune-image-layers k: the ViT image encoder split at layer L − k, as --finetune-text-layers
// splits the text encoder. The frozen part (patch embeddings and layers 0 … L − k − 1) runs once
// per image into the feature cache, as an image encoder whose id carries `@layer<L − k>` (so caches
// of another k never mix); the top k layers and the final LayerNorm are built from the same
// model.safetensors and train with the fusion model. Both halves are @mmaux/fusion's
// ImageEncoderLayers over the pixels of the model's own image processor, so training, eval and
// `predict` on new posts compute the frozen part with the same code (checked against the ONNX
// model in @mmaux/encoders' parity tests). The pooled vector is the CLS token of the last hidden
// state, as the hf: image encoder's default pooling for a ViT, so the fusion model reads the same
// kind of features as with a frozen encoder.
import { createHfImageProcessor, type HfEncoderWeights, type ImageFeatureEncoder, type ImageFeatures, loadHfEncoderWeights } from '@mmaux/encoders';
import { ImageEncoderLayers, type ImageEncoderLayersConfig, imageLayersConfigFromHf, imageLayersWeightFilter } from '@mmaux/fusion';
import { createRng } from '@mmaux/losses';
import * as tf from '@tensorflow/tfjs';
import { finetunedImageLayers, type RunConfig } from './config.js';
import { MmauxTrainerError } from './errors.js';

/** Images per pass of the frozen layers (memory: batch × 197 × hidden floats per layer). */
const LOWER_BATCH = 8;

/** The pooling of the hf: image encoder for a ViT (CLS of the last hidden state), which the trained layers reproduce. */
const POOLING = 'first';

/** The ViT's shape and the layer the cache stops at. */
interface ImageLayerSplit {
  encoder: ImageEncoderLayersConfig;
  /** k. */
  trainable: number;
  /** L − k: the cache holds the hidden state entering this layer. */
  firstTrained: number;
}

function splitOf(config: Pick<RunConfig, 'finetuneImageLayers' | 'imageEncoder'>, hfConfig: Record<string, unknown>): ImageLayerSplit {
  const k = finetunedImageLayers(config);
  let encoder: ImageEncoderLayersConfig;
  try {
    encoder = imageLayersConfigFromHf(hfConfig);
  } catch (err) {
    throw new MmauxTrainerError('BAD_CONFIG', `--finetune-image-layers ${k}: ${config.imageEncoder} is not an image encoder the trainer can fine-tune: ${(err as Error).message}`, { cause: err });
  }
  if (k > encoder.numLayers) {
    throw new MmauxTrainerError('BAD_CONFIG', `--finetune-image-layers ${k}: ${config.imageEncoder} has ${encoder.numLayers} layers; give 1–${encoder.numLayers}.`);
  }
  return { encoder, trainable: k, firstTrained: encoder.numLayers - k };
}

/** Reads the checkpoint (config.json + the model.safetensors tensors `include` selects) of the run's image encoder. */
async function readWeights(config: Pick<RunConfig, 'imageEncoder' | 'finetuneImageLayers'>, include?: (split: ImageLayerSplit) => (name: string) => boolean): Promise<{ split: ImageLayerSplit; weights: HfEncoderWeights['weights'] }> {
  const folder = config.imageEncoder.slice(3);
  try {
    const probe = await loadHfEncoderWeights(folder, { include: () => false });
    const split = splitOf(config, probe.config);
    const loaded = await loadHfEncoderWeights(folder, include === undefined ? {} : { include: include(split) });
    return { split, weights: loaded.weights };
  } catch (err) {
    if (err instanceof MmauxTrainerError) throw err;
    throw new MmauxTrainerError('BAD_CONFIG', `--finetune-image-layers builds the trained layers from ${config.imageEncoder}'s model.safetensors: ${(err as Error).message}`, { cause: err });
  }
}

/** The stack of the frozen part: embeddings and layers 0 … L − k − 1 (at least one layer is built; with k = L the embeddings' output is hidden state 0). */
function lowerConfig(split: ImageLayerSplit): ImageEncoderLayersConfig {
  return { ...split.encoder, numLayers: Math.max(split.firstTrained, 1) };
}

/**
 * The image encoder of a `--finetune-image-layers k` run's cache: the image processor of the `hf:`
 * ViT, then its patch embeddings and layers 0 … L − k − 1 (ImageEncoderLayers, every weight
 * frozen). `patches` are the hidden states entering layer L − k (CLS first), `pooled` the CLS
 * row (not read by a model with image layers).
 */
export async function createLowerImageLayersEncoder(config: Pick<RunConfig, 'finetuneImageLayers' | 'imageEncoder'>): Promise<ImageFeatureEncoder> {
  const processor = await createHfImageProcessor(config.imageEncoder);
  // A model that is not a ViT (or has fewer layers) is refused from its config.json, before any weight is read.
  splitOf(config, processor.config);
  const { split, weights } = await readWeights(config, (s) => imageLayersWeightFilter(lowerConfig(s), 'all', { finalNorm: false, pooler: false }));
  const { encoder, firstTrained } = split;
  const lower = new ImageEncoderLayers(lowerConfig(split), { trainableLayers: 'all', pooling: POOLING, finalNorm: false, weights });
  const h = encoder.hiddenSize;
  const side = encoder.imageSize / encoder.patchSize;
  const tokens = 1 + side * side;
  let disposed = false;
  return {
    kind: 'image',
    spec: config.imageEncoder,
    id: `${processor.id}@layer${firstTrained}`,
    dim: h,
    patches: tokens,
    grid: { rows: side, cols: side, prefixTokens: 1 },
    limitInputPixels: processor.limitInputPixels,
    async encode(images): Promise<ImageFeatures> {
      if (disposed) throw new MmauxTrainerError('TRAINING_FAILED', 'the lower-layers image encoder was disposed.');
      const n = images.length;
      const patches = new Float32Array(n * tokens * h);
      const pooled = new Float32Array(n * h);
      for (let s = 0; s < n; s += LOWER_BATCH) {
        const px = await processor.preprocess(images.slice(s, s + LOWER_BATCH));
        const { n: b, channels, height, width } = px.shape;
        const state = tf.tidy(() => {
          const out = lower.forward({ pixelValues: tf.tensor4d(px.pixelValues, [b, channels, height, width]) }, { hiddenStates: true });
          return out.hiddenStates![firstTrained]!.clone();
        });
        const values = (await state.data()) as Float32Array;
        state.dispose();
        patches.set(values, s * tokens * h);
        for (let i = 0; i < b; i++) pooled.set(values.subarray(i * tokens * h, i * tokens * h + h), (s + i) * h);
      }
      return { patches, pooled, shape: { n, patches: tokens, dim: h }, grid: { rows: side, cols: side, prefixTokens: 1 } };
    },
    async dispose(): Promise<void> {
      if (!disposed) {
        disposed = true;
        lower.dispose();
      }
    },
  };
}

/**
 * The trainable top of the run's ViT, from its model.safetensors (only those tensors read):
 * layers L − k … L − 1 and the final LayerNorm; pooled = CLS of the last hidden state.
 */
export async function createTrainedImageLayers(config: Pick<RunConfig, 'finetuneImageLayers' | 'imageEncoder' | 'seed'>): Promise<ImageEncoderLayers> {
  const { split, weights } = await readWeights(config, (s) => imageLayersWeightFilter(s.encoder, s.trainable, { pooler: false }));
  return new ImageEncoderLayers(split.encoder, { trainableLayers: split.trainable, pooling: POOLING, weights, rng: createRng(config.seed) });
}
