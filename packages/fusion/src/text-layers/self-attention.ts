import * as tf from '@tensorflow/tfjs';
import { withGradient } from '../custom-gradient.js';
import { headDots, headKernelsAvailable, headMix } from '../kernels/head-attention.js';

// BERT's self-attention core, softmax(q·kᵀ/√d + mask)·v per head, with dropout on the attention
// weights as HF applies it in training. The same structure as the fusion transformers' attention
// core (cores/transformer-blocks.ts), which has no dropout on the weights: one differentiable op
// that saves only its input, P and the dropout mask.

/** `[N, T, 3H]` (q | k | v) → `[N·h, T, d]` for the columns `[offset, offset + H)`. */
function heads(x: tf.Tensor3D, offset: number, width: number, h: number): tf.Tensor3D {
  const [n, s] = x.shape;
  return tf.reshape(tf.transpose(tf.reshape(tf.slice(x, [0, 0, offset], [n, s, width]), [n, s, h, width / h]), [0, 2, 1, 3]), [n * h, s, width / h]);
}

/** `[N·h, T, d]` → `[N, T, h·d]`. */
function merge(x: tf.Tensor, n: number, h: number): tf.Tensor3D {
  const [, s, d] = x.shape as [number, number, number];
  return tf.reshape(tf.transpose(tf.reshape(x, [n, h, s, d]), [0, 2, 1, 3]), [n, s, h * d]);
}

const swap = (x: tf.Tensor) => tf.transpose(x, [0, 2, 1]) as tf.Tensor3D;

/**
 * Multi-head self-attention over a fused projection `qkv` `[N, T, 3H]` (q in columns `[0, H)`,
 * k in `[H, 2H)`, v in `[2H, 3H)`): the context `[N, T, H]`. `keyBias` `[N, T]` is added to the
 * scores of each key (0, or −1e9 for padding: its weight is then exactly 0, as with HF's
 * `finfo.min`, since every row has a real key); `dropMask` `[N, h, T, T]` (entries 0 or
 * `1/(1 − p)`) multiplies the attention weights, or is null.
 *
 * Backward: with P̃ = P ⊙ M, `dv = P̃ᵀ·dC`, `dP = M ⊙ (dC·vᵀ)`, `dS = P ⊙ (dP − Σ dP⊙P)/√d`,
 * `dq = dS·k`, `dk = dSᵀ·q`.
 */
export function bertSelfAttention(qkv: tf.Tensor3D, numHeads: number, keyBias: tf.Tensor2D, dropMask: tf.Tensor4D | null): tf.Tensor3D {
  const [n, t, fused] = qkv.shape;
  const width = fused / 3;
  const d = width / numHeads;
  const scale = 1 / Math.sqrt(d);
  if (headKernelsAvailable(d)) {
    // Heads read and written in place in the [N, T, ·] tensors (wasm SIMD kernels): no transposes.
    return withGradient<tf.Tensor3D>([qkv], ([x], save) => {
      const input = x as tf.Tensor3D;
      const p = tf.softmax(headDots(input, 0, input, width, numHeads, d, scale, keyBias)) as tf.Tensor4D;
      const weights = dropMask === null ? p : (tf.mul(p, dropMask) as tf.Tensor4D);
      save(dropMask === null ? [input, p] : [input, p, dropMask]);
      return {
        value: headMix([n, t, width], numHeads, d, [{ weights, rows: input, offset: 2 * width, outOffset: 0, transposed: false }]),
        gradFunc: (dy, saved) => {
          const [sx, sp, sm] = saved as [tf.Tensor3D, tf.Tensor4D, tf.Tensor4D | undefined];
          const dc = dy as tf.Tensor3D;
          // The scale folded in: dP' = scale·dP, so dS' = P ⊙ (dP' − Σ dP'⊙P) is the gradient of q·kᵀ.
          let dp = headDots(dc, 0, sx, 2 * width, numHeads, d, scale, null);
          if (sm !== undefined) dp = tf.mul(dp, sm) as tf.Tensor4D;
          const ds = tf.mul(sp, tf.sub(dp, tf.sum(tf.mul(dp, sp), 3, true))) as tf.Tensor4D;
          const used = sm === undefined ? sp : (tf.mul(sp, sm) as tf.Tensor4D);
          return [
            headMix([n, t, 3 * width], numHeads, d, [
              { weights: ds, rows: sx, offset: width, outOffset: 0, transposed: false },
              { weights: ds, rows: sx, offset: 0, outOffset: width, transposed: true },
              { weights: used, rows: dc, offset: 0, outOffset: 2 * width, transposed: true },
            ]),
          ];
        },
      };
    });
  }
  const bias = tf.reshape(keyBias, [n, 1, 1, t]);
  return withGradient<tf.Tensor3D>([qkv], ([x], save) => {
    const input = x as tf.Tensor3D;
    const q = heads(input, 0, width, numHeads);
    const k = heads(input, width, width, numHeads);
    const v = heads(input, 2 * width, width, numHeads);
    const scores = tf.add(tf.reshape(tf.mul(tf.matMul(q, swap(k)), scale), [n, numHeads, t, t]), bias);
    const p = tf.reshape(tf.softmax(scores), [n * numHeads, t, t]) as tf.Tensor3D;
    const m = dropMask === null ? null : (tf.reshape(dropMask, [n * numHeads, t, t]) as tf.Tensor3D);
    const weights = m === null ? p : (tf.mul(p, m) as tf.Tensor3D);
    save(m === null ? [q, k, v, p] : [q, k, v, p, m]);
    return {
      value: merge(tf.matMul(weights, v), n, numHeads),
      gradFunc: (dy, saved) => {
        const [sq, sk, sv, sp, sm] = saved as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D | undefined];
        const dc = heads(dy as tf.Tensor3D, 0, width, numHeads);
        let dp: tf.Tensor = tf.matMul(dc, swap(sv));
        if (sm !== undefined) dp = tf.mul(dp, sm);
        const used = sm === undefined ? sp : tf.mul(sp, sm);
        const dv = merge(tf.matMul(swap(used), dc), n, numHeads);
        const ds = tf.mul(tf.mul(sp, tf.sub(dp, tf.sum(tf.mul(dp, sp), 2, true))), scale) as tf.Tensor3D;
        const dq = merge(tf.matMul(ds, sk), n, numHeads);
        const dk = merge(tf.matMul(swap(ds), sq), n, numHeads);
        return [tf.concat([dq, dk, dv], 2)];
      },
    };
  });
}

/**
 * Multi-head attention of a few queries per post over every key: `q` `[N, S, H]`, keys and
 * values `kv` `[N, T, 2H]` (k in columns `[0, H)`, v in `[H, 2H)`) → the context `[N, S, H]`;
 * `keyBias` and `dropMask` (`[N, h, S, T]`) as in {@link bertSelfAttention}. What a layer needs
 * when only its first token's output is read (S = 1). Same backward as {@link bertSelfAttention}.
 */
export function bertQueryAttention(q: tf.Tensor3D, kv: tf.Tensor3D, numHeads: number, keyBias: tf.Tensor2D, dropMask: tf.Tensor4D | null): tf.Tensor3D {
  const [n, s, width] = q.shape;
  const t = kv.shape[1];
  const d = width / numHeads;
  const scale = 1 / Math.sqrt(d);
  if (headKernelsAvailable(d)) {
    return withGradient<tf.Tensor3D>([q, kv], ([qi, kvi], save) => {
      const queries = qi as tf.Tensor3D;
      const keysValues = kvi as tf.Tensor3D;
      const p = tf.softmax(headDots(queries, 0, keysValues, 0, numHeads, d, scale, keyBias)) as tf.Tensor4D;
      const weights = dropMask === null ? p : (tf.mul(p, dropMask) as tf.Tensor4D);
      save(dropMask === null ? [queries, keysValues, p] : [queries, keysValues, p, dropMask]);
      return {
        value: headMix([n, s, width], numHeads, d, [{ weights, rows: keysValues, offset: width, outOffset: 0, transposed: false }]),
        gradFunc: (dy, saved) => {
          const [sq, skv, sp, sm] = saved as [tf.Tensor3D, tf.Tensor3D, tf.Tensor4D, tf.Tensor4D | undefined];
          const dc = dy as tf.Tensor3D;
          let dp = headDots(dc, 0, skv, width, numHeads, d, scale, null);
          if (sm !== undefined) dp = tf.mul(dp, sm) as tf.Tensor4D;
          const ds = tf.mul(sp, tf.sub(dp, tf.sum(tf.mul(dp, sp), 3, true))) as tf.Tensor4D;
          const used = sm === undefined ? sp : (tf.mul(sp, sm) as tf.Tensor4D);
          return [
            headMix([n, s, width], numHeads, d, [{ weights: ds, rows: skv, offset: 0, outOffset: 0, transposed: false }]),
            headMix([n, t, 2 * width], numHeads, d, [
              { weights: ds, rows: sq, offset: 0, outOffset: 0, transposed: true },
              { weights: used, rows: dc, offset: 0, outOffset: width, transposed: true },
            ]),
          ];
        },
      };
    });
  }
  // Elsewhere: plain ops, differentiated by tfjs.
  const split = (x: tf.Tensor3D, offset: number) => {
    const rows = x.shape[1];
    return tf.transpose(tf.reshape(tf.slice(x, [0, 0, offset], [n, rows, width]), [n, rows, numHeads, d]), [0, 2, 1, 3]);
  };
  const scores = tf.add(tf.mul(tf.matMul(split(q, 0), split(kv, 0), false, true), scale), tf.reshape(keyBias, [n, 1, 1, t]));
  const p = tf.softmax(scores);
  const weights = dropMask === null ? p : tf.mul(p, dropMask);
  return tf.reshape(tf.transpose(tf.matMul(weights, split(kv, width)), [0, 2, 1, 3]), [n, s, width]);
}
