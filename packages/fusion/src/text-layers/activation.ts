import * as tf from '@tensorflow/tfjs';
import { geluSlope, geluValue } from '../layers.js';
import type { TextEncoderActivation } from './config.js';

const SQRT_HALF = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

// The activations act on the FFN's [N·T, 3072] pre-activation (12 MiB at BERT-base, batch 16 ×
// 64 tokens): each step below frees its input at once, instead of a tidy keeping the whole chain
// until it ends, which at the peak of a training step held ~100 MiB more per layer.

/** `f(x)`, disposing `x` (a temporary of the chain). */
function then(x: tf.Tensor, f: (t: tf.Tensor) => tf.Tensor): tf.Tensor {
  const y = f(x);
  x.dispose();
  return y;
}

/** `Φ(x) = 0.5·(1 + erf(x/√2))`, the normal CDF: exact GELU is `x·Φ(x)`. */
export function normalCdf(x: tf.Tensor): tf.Tensor {
  return then(then(then(tf.mul(x, SQRT_HALF), tf.erf), (e) => tf.add(e, 1)), (e1) => tf.mul(e1, 0.5));
}

/** Exact GELU, `x·Φ(x) = 0.5·x·(1 + erf(x/√2))` (HF's `"gelu"`, PyTorch's `F.gelu`). */
export function geluErfValue(x: tf.Tensor): tf.Tensor {
  return then(normalCdf(x), (cdf) => tf.mul(x, cdf));
}

/**
 * `d/dx x·Φ(x) = Φ(x) + x·φ(x)`, written out: tfjs registers no gradient for Erf on every
 * backend, and one expression is cheaper than autodiff's chain anyway.
 */
export function geluErfSlope(x: tf.Tensor): tf.Tensor {
  const xPdf = then(then(then(tf.square(x), (s) => tf.mul(s, -0.5)), tf.exp), (e) => tf.mul(e, x));
  const scaled = then(xPdf, (p) => tf.mul(p, INV_SQRT_2PI));
  const cdf = normalCdf(x);
  const out = tf.add(cdf, scaled);
  tf.dispose([cdf, scaled]);
  return out;
}

/**
 * Exact GELU's slope `Φ(x) + x·φ(x)` from `x` and its `Φ(x)` kept from the forward pass: the
 * backward pass then computes no erf (two [N·T, 3072] erf passes a layer saved, ~15 ms at BERT-base).
 */
export function geluErfSlopeFromCdf(x: tf.Tensor, cdf: tf.Tensor): tf.Tensor {
  const xPdf = then(then(then(tf.square(x), (s) => tf.mul(s, -0.5)), tf.exp), (e) => tf.mul(e, x));
  const scaled = then(xPdf, (p) => tf.mul(p, INV_SQRT_2PI));
  return then(scaled, (p) => tf.add(p, cdf));
}

/** The activation's value and slope functions (the FFN op saves the pre-activation and recomputes both). */
export function activationOf(kind: TextEncoderActivation): { value: (x: tf.Tensor) => tf.Tensor; slope: (x: tf.Tensor) => tf.Tensor } {
  return kind === 'gelu' ? { value: geluErfValue, slope: geluErfSlope } : { value: (x) => tf.tidy(() => geluValue(x)), slope: (x) => tf.tidy(() => geluSlope(x)) };
}
