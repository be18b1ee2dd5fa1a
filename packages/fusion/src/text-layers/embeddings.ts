import * as tf from '@tensorflow/tfjs';
import { withGradient } from '../custom-gradient.js';
import { dropout, type ForwardContext, layerNorm, selectRows } from '../layers.js';
import { MmauxFusionError } from '../errors.js';
import type { TextEncoderLayersConfig } from './config.js';
import type { NormVariables } from './bert-layer.js';

/** The embedding tables and their LayerNorm. */
export interface EmbeddingVariables {
  words: tf.Variable;
  positions: tf.Variable;
  tokenTypes: tf.Variable;
  norm: NormVariables;
}

/**
 * Position ids `[N·T]` as HF computes them: BERT `0…T−1` on every row; RoBERTa / XLM-R
 * `cumsum(ids ≠ pad)·(ids ≠ pad) + pad` (`create_position_ids_from_input_ids`): real tokens
 * count from `pad + 1`, padding takes `pad`.
 *
 * @param config - architecture and `padTokenId`
 * @param ids - `[N·T]` token ids, row-major
 * @param n - rows
 * @param t - tokens per row
 */
export function positionIds(config: TextEncoderLayersConfig, ids: ArrayLike<number>, n: number, t: number): Int32Array {
  const out = new Int32Array(n * t);
  for (let i = 0; i < n; i++) {
    let count = 0;
    for (let j = 0; j < t; j++) {
      if (config.architecture === 'bert') out[i * t + j] = j;
      else if ((ids[i * t + j] as number) !== config.padTokenId) out[i * t + j] = ++count + config.padTokenId;
      else out[i * t + j] = config.padTokenId;
    }
  }
  return out;
}

/** `a + b + c` of three `[R, H]` row sets, reshaped to `[N, T, H]`, as one op that saves nothing. */
function sumRows(a: tf.Tensor2D, b: tf.Tensor2D, c: tf.Tensor2D, shape: [number, number, number]): tf.Tensor3D {
  return withGradient<tf.Tensor3D>([a, b, c], ([x, y, z]) => ({
    value: tf.reshape(tf.add(tf.add(x as tf.Tensor, y as tf.Tensor), z as tf.Tensor), shape),
    gradFunc: (dy) => {
      const g = tf.reshape(dy, [-1, shape[2]]);
      return [g, g.clone(), g.clone()];
    },
  }));
}

/** Checks ids against a table's rows; the message names the row, the column and the value. */
function checkIds(fn: string, what: string, ids: ArrayLike<number>, rows: number, t: number, fix: string): void {
  for (let k = 0; k < ids.length; k++) {
    const v = ids[k] as number;
    if (!Number.isInteger(v) || v < 0 || v >= rows) {
      throw new MmauxFusionError('INVALID_INPUT', `${fn}: ${what}[${Math.floor(k / t)}][${k % t}] = ${v} is outside the table's ${rows} rows; ${fix}`);
    }
  }
}

/**
 * HF's `BertEmbeddings` / `RobertaEmbeddings`: `dropout(LN(E_word[ids] + E_pos[positions] +
 * E_type[types]))`, `[N, T, H]`. The table rows are selected by copies and the gradient adds
 * back into them (tf.gather's gradient needs a kernel wasm lacks); a table's gradient is dense.
 */
export function bertEmbeddings(
  fn: string,
  w: EmbeddingVariables,
  config: TextEncoderLayersConfig,
  ids: ArrayLike<number>,
  typeIds: ArrayLike<number> | null,
  n: number,
  t: number,
  ctx: ForwardContext,
): tf.Tensor3D {
  checkIds(fn, 'inputIds', ids, config.vocabSize, t, `the tokenizer does not belong to this model (vocab_size ${config.vocabSize}).`);
  const positions = positionIds(config, ids, n, t);
  checkIds(fn, 'position id', positions, config.maxPositions, t, `truncate texts to fewer tokens (max_position_embeddings = ${config.maxPositions}).`);
  const types = typeIds ?? new Int32Array(n * t);
  if (typeIds !== null) checkIds(fn, 'tokenTypeIds', typeIds, config.typeVocabSize, t, `this model has type_vocab_size ${config.typeVocabSize}.`);
  const sum = sumRows(
    selectRows(w.words as tf.Tensor2D, ids),
    selectRows(w.positions as tf.Tensor2D, positions),
    selectRows(w.tokenTypes as tf.Tensor2D, types),
    [n, t, config.hiddenSize],
  );
  return dropout(layerNorm(sum, w.norm.weight, w.norm.bias, config.layerNormEps), config.hiddenDropout, ctx) as tf.Tensor3D;
}
