import * as tf from '@tensorflow/tfjs';
import { withGradient } from '../custom-gradient.js';
import { dense, dropout, type ForwardContext, geluSlope, geluValue, layerNorm, residualAdd } from '../layers.js';
import { headDots, headKernelsAvailable, headMix } from '../kernels/head-attention.js';
import { columnSums } from '../kernels/reductions.js';
import { timesTransposed, transposedTimes } from '../products.js';
import { type DenseWeights, denseWeights, type NormWeights, normWeights, type WeightStore } from '../weights.js';

// On wasm every tensor tfjs saves for a backward pass is copied (its Identity kernel copies), and
// recorded reshapes, adds and slices save their inputs. The attention and feed-forward blocks
// are therefore single differentiable ops that save only what their backward needs.

/** Added to the attention scores of padded keys: their softmax weight is exactly 0. */
const MASKED = -1e9;

/** Query, key, value and output projections of a multi-head attention. */
export interface AttentionWeights {
  q: DenseWeights;
  k: DenseWeights;
  v: DenseWeights;
  out: DenseWeights;
}

export function attentionWeights(store: WeightStore, prefix: string, width: number): AttentionWeights {
  return {
    q: denseWeights(store, `${prefix}/q`, width, width),
    k: denseWeights(store, `${prefix}/k`, width, width),
    v: denseWeights(store, `${prefix}/v`, width, width),
    out: denseWeights(store, `${prefix}/out`, width, width),
  };
}

/**
 * `[N, 1, 1, S]` additive key bias from per-position 0/1 flags (1 = attend): 0 or −1e9. Built
 * from host values, so it is a constant of the graph.
 */
export function keyBias(flags: Float32Array, n: number, s: number): tf.Tensor4D {
  const bias = new Float32Array(n * s);
  for (let k = 0; k < bias.length; k++) bias[k] = flags[k] === 1 ? 0 : MASKED;
  return tf.tensor4d(bias, [n, 1, 1, s]);
}

/** Columns `[offset, offset + width)` of `[N, S, W]`, heads split: `[N·h, S, d]`. */
function headsOf(x: tf.Tensor, offset: number, width: number, heads: number): tf.Tensor3D {
  const [n, s, total] = x.shape as [number, number, number];
  const part = offset === 0 && width === total ? x : tf.slice(x, [0, 0, offset], [n, s, width]);
  return tf.reshape(tf.transpose(tf.reshape(part, [n, s, heads, width / heads]), [0, 2, 1, 3]), [n * heads, s, width / heads]);
}

/** Keys as `[N·h, d, S]` (transposed for a contiguous product). */
function keysOf(x: tf.Tensor, offset: number, width: number, heads: number): tf.Tensor3D {
  const [n, s, total] = x.shape as [number, number, number];
  const part = offset === 0 && width === total ? x : tf.slice(x, [0, 0, offset], [n, s, width]);
  return tf.reshape(tf.transpose(tf.reshape(part, [n, s, heads, width / heads]), [0, 2, 3, 1]), [n * heads, width / heads, s]);
}

/** `[N·h, S, d]` → `[N, S, h·d]`. */
function mergeHeads(x: tf.Tensor, n: number, heads: number): tf.Tensor3D {
  const [, s, d] = x.shape as [number, number, number];
  return tf.reshape(tf.transpose(tf.reshape(x, [n, heads, s, d]), [0, 2, 1, 3]), [n, s, heads * d]);
}

/** `[N·h, d, S]` (a key gradient) → `[N, S, h·d]`. */
function mergeKeyHeads(x: tf.Tensor, n: number, heads: number): tf.Tensor3D {
  const [, d, s] = x.shape as [number, number, number];
  return tf.reshape(tf.transpose(tf.reshape(x, [n, heads, d, s]), [0, 3, 1, 2]), [n, s, heads * d]);
}

function swap(x: tf.Tensor): tf.Tensor3D {
  return tf.transpose(x, [0, 2, 1]) as tf.Tensor3D;
}

/**
 * Scaled dot-product attention for `B = N·heads` problems at once, as one differentiable op:
 * `C = softmax(q·kᵀ/√d + bias)·v`. It saves q, kᵀ, v and the attention weights P, and its
 * backward uses only contiguous batched products (explicit transposes, fast on wasm):
 * `dP = dC·vᵀ`, `dv = Pᵀ·dC`, `dS = P ⊙ (dP − Σ dP⊙P)/√d`, `dq = dS·k`, `dkᵀ = qᵀ·dS`.
 *
 * `queries` holds q in columns `[0, H)`; `keyValues` holds k in `[kOffset, kOffset + H)` and v
 * in `[vOffset, vOffset + H)`. For self-attention both are the same fused `[N, S, 3H]` tensor,
 * passed once. `bias` `[N, 1, 1, Sk]` is a constant (0 or −1e9 per key).
 */
function attentionCore(
  queries: tf.Tensor3D,
  keyValues: tf.Tensor3D | null,
  width: number,
  heads: number,
  bias: tf.Tensor4D | null,
): tf.Tensor3D {
  if (headKernelsAvailable(width / heads)) return headAttention(queries, keyValues, width, heads, bias);
  const self = keyValues === null;
  const n = queries.shape[0];
  const d = width / heads;
  const scale = 1 / Math.sqrt(d);
  const inputs = self ? [queries] : [queries, keyValues];
  return withGradient<tf.Tensor3D>(inputs, (xs, save) => {
    const qx = xs[0] as tf.Tensor3D;
    const kvx = (self ? qx : xs[1]) as tf.Tensor3D;
    const [kOffset, vOffset] = self ? [width, 2 * width] : [0, width];
    const q = headsOf(qx, 0, width, heads);
    const kT = keysOf(kvx, kOffset, width, heads);
    const v = headsOf(kvx, vOffset, width, heads);
    const [b, sq] = q.shape;
    const sk = kT.shape[2];
    let scores: tf.Tensor = tf.reshape(tf.mul(tf.matMul(q, kT), scale), [n, heads, sq, sk]);
    if (bias !== null) scores = tf.add(scores, bias);
    const probs = tf.reshape(tf.softmax(scores), [b, sq, sk]) as tf.Tensor3D;
    save([q, kT, v, probs]);
    return {
      value: mergeHeads(tf.matMul(probs, v), n, heads),
      gradFunc: (dy, saved) => {
        const [sq3, skT, sv, p] = saved as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
        const dc = headsOf(dy, 0, width, heads);
        const dp = tf.matMul(dc, swap(sv));
        const dv = mergeHeads(tf.matMul(swap(p), dc), n, heads);
        const ds = tf.mul(tf.mul(p, tf.sub(dp, tf.sum(tf.mul(dp, p), 2, true))), scale) as tf.Tensor3D;
        const dq = mergeHeads(tf.matMul(ds, swap(skT)), n, heads);
        const dk = mergeKeyHeads(tf.matMul(swap(sq3), ds), n, heads);
        return self ? [tf.concat([dq, dk, dv], 2)] : [dq, tf.concat([dk, dv], 2)];
      },
    };
  });
}

/**
 * {@link attentionCore} on the fused head kernels (wasm with SIMD): heads are read and written
 * in place in the projections' `[N, S, ·]` tensors, so the forward pass is two kernels around a
 * softmax and the backward pass five, with no transposes. Saves its inputs and P.
 */
function headAttention(queries: tf.Tensor3D, keyValues: tf.Tensor3D | null, width: number, heads: number, bias: tf.Tensor4D | null): tf.Tensor3D {
  const self = keyValues === null;
  const d = width / heads;
  const scale = 1 / Math.sqrt(d);
  const [n, sq] = queries.shape;
  const keyBias = bias === null ? null : (tf.reshape(bias, [n, bias.shape[3]]) as tf.Tensor2D);
  return withGradient<tf.Tensor3D>(self ? [queries] : [queries, keyValues], (xs, save) => {
    const qx = xs[0] as tf.Tensor3D;
    const kvx = (self ? qx : xs[1]) as tf.Tensor3D;
    const [kOffset, vOffset] = self ? [width, 2 * width] : [0, width];
    const sk = kvx.shape[1];
    const probs = tf.softmax(headDots(qx, 0, kvx, kOffset, heads, d, scale, keyBias)) as tf.Tensor4D;
    save(self ? [qx, probs] : [qx, kvx, probs]);
    return {
      value: headMix([n, sq, width], heads, d, [{ weights: probs, rows: kvx, offset: vOffset, outOffset: 0, transposed: false }]),
      gradFunc: (dy, saved) => {
        const q = saved[0] as tf.Tensor3D;
        const kv = (self ? q : saved[1]) as tf.Tensor3D;
        const p = saved[saved.length - 1] as tf.Tensor4D;
        const dc = dy as tf.Tensor3D;
        // dS·√d… folded: dP' = scale·dC·vᵀ, dS' = P ⊙ (dP' − Σ_j dP'⊙P) = scale·dS.
        const dp = headDots(dc, 0, kv, vOffset, heads, d, scale, null);
        const ds = tf.mul(p, tf.sub(dp, tf.sum(tf.mul(dp, p), 3, true))) as tf.Tensor4D;
        const dq = { weights: ds, rows: kv, offset: kOffset, outOffset: 0, transposed: false };
        const dk = { weights: ds, rows: q, offset: 0, outOffset: kOffset, transposed: true };
        const dv = { weights: p, rows: dc, offset: 0, outOffset: vOffset, transposed: true };
        if (self) return [headMix([n, sq, 3 * width], heads, d, [dq, dk, dv])];
        return [headMix([n, sq, width], heads, d, [dq]), headMix([n, sk, 2 * width], heads, d, [dk, dv])];
      },
    };
  });
}

function concatDense(parts: DenseWeights[]): { kernel: tf.Tensor; bias: tf.Tensor } {
  return { kernel: tf.concat(parts.map((p) => p.kernel), 1), bias: tf.concat(parts.map((p) => p.bias!), 0) };
}

/**
 * Multi-head scaled dot-product attention: queries from `query` `[N, Sq, H]`, keys and values
 * from `keyValue` `[N, Sk, H]` (the same tensor for self-attention: pass `null`); `bias`
 * `[N, 1, 1, Sk]` (or null) removes padded keys. Projections with bias, then an output projection.
 */
export function multiHeadAttention(
  w: AttentionWeights,
  query: tf.Tensor3D,
  keyValue: tf.Tensor3D | null,
  bias: tf.Tensor4D | null,
  heads: number,
): tf.Tensor3D {
  const width = query.shape[2];
  let context: tf.Tensor3D;
  if (keyValue === null) {
    const qkv = concatDense([w.q, w.k, w.v]);
    context = attentionCore(dense(query, qkv.kernel, qkv.bias) as tf.Tensor3D, null, width, heads, bias);
  } else {
    const kv = concatDense([w.k, w.v]);
    const q = dense(query, w.q.kernel, w.q.bias) as tf.Tensor3D;
    context = attentionCore(q, dense(keyValue, kv.kernel, kv.bias) as tf.Tensor3D, width, heads, bias);
  }
  return dense(context, w.out.kernel, w.out.bias) as tf.Tensor3D;
}

/** A pre-LN transformer block's feed-forward part. */
export interface FeedForwardWeights {
  norm: NormWeights;
  in: DenseWeights;
  out: DenseWeights;
}

export function feedForwardWeights(store: WeightStore, prefix: string, width: number, ffnDim: number): FeedForwardWeights {
  return {
    norm: normWeights(store, `${prefix}_norm`, width),
    in: denseWeights(store, `${prefix}/in`, width, ffnDim),
    out: denseWeights(store, `${prefix}/out`, ffnDim, width),
  };
}

/**
 * `W₂·gelu(W₁·x + b₁) + b₂` as one op saving x and the pre-activation (the activation is
 * recomputed in the backward pass).
 */
export function feedForward(x: tf.Tensor3D, w: FeedForwardWeights): tf.Tensor3D {
  const [n, s, width] = x.shape;
  const w1 = w.in.kernel as tf.Tensor2D;
  const w2 = w.out.kernel as tf.Tensor2D;
  // The kernels are read from their variables in the backward pass (saving would copy them).
  return withGradient<tf.Tensor3D>([x, w1, w.in.bias!, w2, w.out.bias!], (inputs, save) => {
    const [xi, , b1, , b2] = inputs as [tf.Tensor, tf.Tensor2D, tf.Tensor1D, tf.Tensor2D, tf.Tensor1D];
    const flat = tf.reshape(xi, [-1, width]) as tf.Tensor2D;
    const pre = tf.add(tf.matMul(flat, w1), b1) as tf.Tensor2D;
    save([flat, pre]);
    return {
      value: tf.reshape(tf.add(tf.matMul(geluValue(pre) as tf.Tensor2D, w2), b2), [n, s, width]),
      gradFunc: (dy, saved) => {
        const [sx, sp] = saved as [tf.Tensor2D, tf.Tensor2D];
        const g = tf.reshape(dy, [-1, width]) as tf.Tensor2D;
        const act = geluValue(sp) as tf.Tensor2D;
        const dPre = tf.mul(timesTransposed(g, w2), geluSlope(sp)) as tf.Tensor2D;
        return [
          tf.reshape(timesTransposed(dPre, w1), [n, s, width]),
          transposedTimes(sx, dPre),
          columnSums(dPre),
          transposedTimes(act, g),
          columnSums(g),
        ];
      },
    };
  });
}

/** `x + dropout(FFN(LN(x)))`. */
export function feedForwardBlock(x: tf.Tensor3D, w: FeedForwardWeights, rate: number, ctx: ForwardContext): tf.Tensor3D {
  const h = layerNorm(x, w.norm.gamma, w.norm.beta) as tf.Tensor3D;
  return residualAdd(x, dropout(feedForward(h, w), rate, ctx));
}

/** A pre-LN attention block: its norm and projections. */
export interface AttentionBlockWeights {
  norm: NormWeights;
  attention: AttentionWeights;
}

export function attentionBlockWeights(store: WeightStore, prefix: string, width: number): AttentionBlockWeights {
  return { norm: normWeights(store, `${prefix}_norm`, width), attention: attentionWeights(store, prefix, width) };
}

/** `x + dropout(MHA(LN(x)))`: pre-LN self-attention. */
export function selfAttentionBlock(
  x: tf.Tensor3D,
  w: AttentionBlockWeights,
  bias: tf.Tensor4D | null,
  heads: number,
  rate: number,
  ctx: ForwardContext,
): tf.Tensor3D {
  const h = layerNorm(x, w.norm.gamma, w.norm.beta) as tf.Tensor3D;
  return residualAdd(x, dropout(multiHeadAttention(w.attention, h, null, bias, heads), rate, ctx));
}
