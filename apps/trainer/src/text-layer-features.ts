// --finetune-text-layers k: the text encoder split at layer L − k. The frozen part (embeddings and
// layers 0 … L − k − 1) runs once per post into the feature cache, as a text encoder whose id
// carries `@layer<L − k>` (so caches of another k never mix); the top k layers and the pooler are
// built from the same model.safetensors and train with the fusion model. Both halves are
// @mmaux/fusion's TextEncoderLayers, so training, eval and `predict` on new posts compute the
// frozen part with the same code (checked against the ONNX model in @mmaux/encoders' parity tests).
// With `all` nothing is frozen: the cache holds the tokenizer's ids (id `@ids`), and the whole
// encoder, embeddings included, trains.
import { createHfTokenizer, type HfEncoderWeights, type HfTextTokenizer, loadHfEncoderWeights, type TextFeatureEncoder, type TextFeatures } from '@mmaux/encoders';
import { TextEncoderLayers, type TextEncoderLayersConfig, textLayersConfigFromHf, textLayersWeightFilter } from '@mmaux/fusion';
import { createRng } from '@mmaux/losses';
import * as tf from '@tensorflow/tfjs';
import { finetunedTextLayers, type RunConfig } from './config.js';
import { MmauxTrainerError } from './errors.js';

/** Posts per pass of the frozen layers (memory: batch × length × hidden floats per layer). */
const LOWER_BATCH = 16;

/** The encoder's shape and the layer the cache stops at. */
export interface TextLayerSplit {
  encoder: TextEncoderLayersConfig;
  /** k, the layers that train ('all': the embeddings too). */
  trainable: number | 'all';
  /** L − k: the cache holds the hidden state entering this layer. */
  firstTrained: number;
}

function splitOf(config: Pick<RunConfig, 'finetuneTextLayers' | 'textEncoder'>, hfConfig: Record<string, unknown>): TextLayerSplit {
  let encoder: TextEncoderLayersConfig;
  try {
    encoder = textLayersConfigFromHf(hfConfig);
  } catch (err) {
    throw new MmauxTrainerError('BAD_CONFIG', `--finetune-text-layers: ${config.textEncoder} is not an encoder the trainer can fine-tune: ${(err as Error).message}`, { cause: err });
  }
  const k = finetunedTextLayers(config);
  if (k === 'all') return { encoder, trainable: 'all', firstTrained: 0 };
  if (k > encoder.numLayers) {
    throw new MmauxTrainerError('BAD_CONFIG', `--finetune-text-layers ${k}: ${config.textEncoder} has ${encoder.numLayers} layers; give 1–${encoder.numLayers}.`);
  }
  return { encoder, trainable: k, firstTrained: encoder.numLayers - k };
}

/**
 * Reads the run's text encoder from its checkpoint: config.json first (a model the trainer cannot
 * split is refused before any weight is read), then only the model.safetensors tensors that the
 * part being built (`include` of the split) uses.
 */
async function readWeights(
  config: Pick<RunConfig, 'finetuneTextLayers' | 'textEncoder'>,
  include: (split: TextLayerSplit) => (name: string) => boolean,
): Promise<{ split: TextLayerSplit; weights: HfEncoderWeights['weights'] }> {
  const load = async (filter: (name: string) => boolean) => {
    try {
      return await loadHfEncoderWeights(config.textEncoder.slice(3), { include: filter });
    } catch (err) {
      throw new MmauxTrainerError('BAD_CONFIG', `--finetune-text-layers builds the trained layers from ${config.textEncoder}'s model.safetensors: ${(err as Error).message}`, { cause: err });
    }
  };
  const split = splitOf(config, (await load(() => false)).config);
  return { split, weights: (await load(include(split))).weights };
}

/** The frozen part: embeddings and layers 0 … L − k − 1 (at least one layer is built; with k = L the embeddings' output is hidden state 0). */
function lowerConfig(split: TextLayerSplit): TextEncoderLayersConfig {
  return { ...split.encoder, numLayers: Math.max(split.firstTrained, 1) };
}

/**
 * The text encoder of a `--finetune-text-layers k` run's cache: the tokenizer of the `hf:` model,
 * then its embeddings and layers 0 … L − k − 1 (TextEncoderLayers with every weight frozen).
 * `tokens` are the hidden states entering layer L − k at the real tokens, `pooled` the first
 * token's (not read by a model with text layers).
 */
export async function createLowerLayersEncoder(config: Pick<RunConfig, 'finetuneTextLayers' | 'textEncoder' | 'maxLength'>): Promise<TextFeatureEncoder & { tokenIds?: true }> {
  const tokenizer = await createHfTokenizer(config.textEncoder, { maxLength: config.maxLength });
  if (finetunedTextLayers(config) === 'all') return tokenIdsEncoder(tokenizer);
  const { split, weights } = await readWeights(config, (s) => textLayersWeightFilter(lowerConfig(s), 'all', { pooler: false }));
  const { encoder, firstTrained } = split;
  const lower = new TextEncoderLayers(lowerConfig(split), { trainableLayers: 'all', pooler: false, weights });
  const h = encoder.hiddenSize;
  let disposed = false;
  return {
    kind: 'text',
    spec: config.textEncoder,
    id: `${tokenizer.id}@layer${firstTrained}`,
    dim: h,
    maxLength: tokenizer.maxLength,
    async encode(texts: readonly string[]): Promise<TextFeatures> {
      if (disposed) throw new MmauxTrainerError('TRAINING_FAILED', 'the lower-layers text encoder was disposed.');
      const rows: Float32Array[] = [];
      for (let s = 0; s < texts.length; s += LOWER_BATCH) {
        const part = tokenizer.tokenize(texts.slice(s, s + LOWER_BATCH));
        const { n, length } = part.shape;
        const hidden = tf.tidy(() => {
          const out = lower.forward(
            { inputIds: tf.tensor2d(part.inputIds, [n, length], 'int32'), tokenTypeIds: tf.tensor2d(part.tokenTypeIds, [n, length], 'int32'), mask: tf.tensor2d(Float32Array.from(part.mask), [n, length]) },
            { hiddenStates: true },
          );
          return out.hiddenStates![firstTrained]!.clone();
        });
        const values = (await hidden.data()) as Float32Array;
        hidden.dispose();
        for (let i = 0; i < n; i++) {
          let real = 0;
          while (real < length && part.mask[i * length + real] === 1) real++;
          rows.push(values.slice(i * length * h, (i * length + real) * h));
        }
      }
      const n = texts.length;
      const length = rows.reduce((m, r) => Math.max(m, r.length / h), 0);
      const tokens = new Float32Array(n * length * h);
      const mask = new Uint8Array(n * length);
      const pooled = new Float32Array(n * h);
      rows.forEach((r, i) => {
        tokens.set(r, i * length * h);
        mask.fill(1, i * length, i * length + r.length / h);
        pooled.set(r.subarray(0, h), i * h);
      });
      return { tokens, mask, pooled, shape: { n, length, dim: h } };
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
 * The "encoder" of a `--finetune-text-layers all` run's cache: the tokenizer's ids of each text's
 * real tokens as `[N, T, 1]` float32 tokens (exact: ids stay below 2^24; the config refuses a
 * float16 cache), for the fusion model's embeddings to read as `inputIds`.
 */
function tokenIdsEncoder(tokenizer: HfTextTokenizer): TextFeatureEncoder & { tokenIds: true } {
  return {
    kind: 'text',
    spec: tokenizer.spec,
    id: `${tokenizer.id}@ids`,
    dim: 1,
    maxLength: tokenizer.maxLength,
    tokenIds: true,
    async encode(texts: readonly string[]): Promise<TextFeatures> {
      const { inputIds, mask, shape } = tokenizer.tokenize(texts);
      const { n, length } = shape;
      const pooled = new Float32Array(n);
      for (let i = 0; i < n; i++) pooled[i] = inputIds[i * length]!;
      return { tokens: Float32Array.from(inputIds), mask, pooled, shape: { n, length, dim: 1 } };
    },
    async dispose(): Promise<void> {},
  };
}

/**
 * The trainable top of the run's text encoder, from its model.safetensors: layers L − k … L − 1,
 * and the pooler where the model reads the pooled text vector (summary or ITC source `pooled`);
 * with `all` the embeddings too. Refuses (BAD_CONFIG) a stack whose training state overflows the
 * wasm heap ({@link checkWasmMemory}).
 */
export async function createTrainedTextLayers(config: Pick<RunConfig, 'finetuneTextLayers' | 'textEncoder' | 'seed' | 'freezeWordEmbeddings'>, readsPooled: boolean): Promise<TextEncoderLayers> {
  const { split, weights } = await readWeights(config, (s) => textLayersWeightFilter(s.encoder, s.trainable, { pooler: readsPooled }));
  // A checkpoint without a pooler (fill-mask RoBERTa) gets HF's initial values from this seed.
  const layers = new TextEncoderLayers(split.encoder, {
    trainableLayers: split.trainable,
    pooler: readsPooled,
    weights,
    rng: createRng(config.seed),
    ...(split.trainable === 'all' && config.freezeWordEmbeddings ? { freezeWordEmbeddings: true } : {}),
  });
  try {
    checkWasmMemory(layers, tf.getBackend(), config);
  } catch (err) {
    layers.dispose();
    throw err;
  }
  return layers;
}

/** The wasm backend's memory: one 4 GiB heap that every tensor of the process lives in. */
const WASM_HEAP_BYTES = 4 * 1024 ** 3;
/** What the weights and their optimiser state may take of it; a batch's activations need the rest. */
const WASM_WEIGHTS_SHARE = 0.85;

/**
 * Refuses, before the first step, text layers whose training state cannot fit the wasm heap:
 * each trained weight is held with its gradient and AdamW's two moments (16 bytes), each frozen
 * one once (4). Past the heap wasm aborts mid-step with an out-of-memory message naming nothing.
 */
export function checkWasmMemory(layers: Pick<TextEncoderLayers, 'namedWeights' | 'hasEmbeddings'>, backend: string, config: Pick<RunConfig, 'finetuneTextLayers' | 'textEncoder'>): void {
  if (backend !== 'wasm') return;
  let trained = 0;
  let frozen = 0;
  let words = 0;
  for (const w of layers.namedWeights()) {
    if (w.variable.trainable) trained += w.variable.size;
    else frozen += w.variable.size;
    if (w.name.endsWith('word_embeddings.weight') && w.variable.trainable) words = w.variable.size;
  }
  const bytes = 16 * trained + 4 * frozen;
  if (bytes <= WASM_WEIGHTS_SHARE * WASM_HEAP_BYTES) return;
  const gib = (b: number) => `${(b / 1024 ** 3).toFixed(1)} GiB`;
  const flag = `--finetune-text-layers ${config.finetuneTextLayers ?? 'all'}`;
  const fixes = [
    ...(words > 0 ? [`add --freeze-word-embeddings (then ${gib(bytes - 12 * words)})`] : []),
    ...(layers.hasEmbeddings ? ['train the top layers only (e.g. --finetune-text-layers 2)'] : ['train fewer layers']),
    'or use --backend tensorflow / tensorflow-gpu (@tensorflow/tfjs-node[-gpu])',
  ];
  throw new MmauxTrainerError(
    'BAD_CONFIG',
    `${flag}: ${config.textEncoder}'s ${(trained / 1e6).toFixed(0)}M trained weights with their gradients and AdamW moments${frozen > 0 ? `, and ${(frozen / 1e6).toFixed(0)}M frozen ones,` : ''} need ${gib(bytes)}, more than the wasm backend's 4 GiB heap holds next to a batch's activations; ${fixes.join(', ')}.`,
  );
}

