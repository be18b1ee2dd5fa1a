import type { Rng } from '@mmaux/losses';
import type { TextEncoderLayersConfig } from './config.js';
import type { TextLayerWeightSpec } from './weight-names.js';

/** Standard normal values (Box–Muller) from `rng`, times `std`. */
function normal(rng: Rng, size: number, std: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i += 2) {
    const u = 1 - rng(); // in (0, 1]: the log stays finite
    const v = rng();
    const r = Math.sqrt(-2 * Math.log(u)) * std;
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < size) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/**
 * HF's `_init_weights` for a weight a checkpoint lacks (a fill-mask RoBERTa / XLM-R checkpoint
 * has no pooler): Linear and Embedding weights `N(0, initializer_range²)` (the padding row of the
 * word table, and of RoBERTa's position table, zeroed), biases 0, LayerNorm scales 1.
 */
export function initialValues(spec: TextLayerWeightSpec, config: TextEncoderLayersConfig, rng: Rng): Float32Array {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  if (spec.init === 'zeros') return new Float32Array(size);
  if (spec.init === 'ones') return new Float32Array(size).fill(1);
  const values = normal(rng, size, config.initializerRange);
  const h = config.hiddenSize;
  const paddedTable =
    spec.name === 'embeddings.word_embeddings.weight' || (spec.name === 'embeddings.position_embeddings.weight' && config.architecture !== 'bert');
  if (paddedTable && config.padTokenId < (spec.shape[0] as number)) values.fill(0, config.padTokenId * h, (config.padTokenId + 1) * h);
  return values;
}
