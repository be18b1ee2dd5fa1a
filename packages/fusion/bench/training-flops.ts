// Matrix-product FLOPs of one training step (forward + backward) as @mmaux/fusion computes it,
// elementwise work ignored. A product of a weight with an activation that needs its gradient
// costs 3× its forward (forward, dX, dW); with a frozen input 2× (no dX). With ITM on, the fusion
// layers run on 2N rows (the matched and the swapped pairs together); each modality's own work
// runs once on N. Attention over S_q queries and S_k keys costs 12·R·S_q·S_k·H (2 products
// forward, 4 backward).
import type { FusionConfig } from '../src/index.js';

const mm = (m: number, k: number, n: number) => 2 * m * k * n;

export interface StepShape {
  /** Posts per batch. */
  n: number;
  /** Text tokens per post after padding. */
  textLength: number;
  /** Image tokens per post. */
  patches: number;
  itc: boolean;
  itm: boolean;
}

export function trainingFlops(c: FusionConfig, s: StepShape): number {
  const { textDim: dt, imageDim: dv, hiddenDim: h, ffnDim: f, numClasses: k, projectionDim: e } = c;
  const { n, textLength: l, patches: p } = s;
  const r = s.itm ? 2 * n : n;
  const attention = (rows: number, sq: number, sk: number) => 12 * rows * sq * sk * h;
  let core = 0;
  switch (c.kind) {
    case 'text-only':
      core = 2 * mm(n, dt, h);
      break;
    case 'image-only':
      core = 2 * mm(n, dv, h);
      break;
    case 'concat':
      core = 2 * mm(s.itm || s.itc ? 2 * n : n, dt + dv, h);
      break;
    case 'gmu':
      core = 2 * mm(n, dt, h) + 2 * mm(n, dv, h) + 2 * mm(s.itm ? 2 * n : n, dt + dv, h);
      break;
    case 'attention':
      core =
        2 * mm(n, dt, h) + // query
        3 * mm(n, h, dv) + // r = q·W_Kᵀ
        6 * r * p * dv + // row dots and weighted rows, forward and backward
        3 * mm(r, dv, h) + // (a·V)·W_V
        3 * mm(r, dt + h, h) + // output layer
        (s.itc ? 2 * mm(n, dv, h) : 0); // mean key
      break;
    case 'single-stream': {
      const seq = l + 2 + p;
      const layer = 3 * mm(r * seq, h, 3 * h) + attention(r, seq, seq) + 3 * mm(r * seq, h, h) + 3 * mm(r * seq, h, f) + 3 * mm(r * seq, f, h);
      core = 2 * mm(n * p, dv, h) + 2 * mm(n * l, dt, h) + c.layers * layer + 3 * mm(r, h, h);
      break;
    }
    case 'dual-stream': {
      const cross = (q: number, kv: number) => 3 * mm(r * q, h, h) + 3 * mm(r * kv, h, 2 * h) + attention(r, q, kv) + 3 * mm(r * q, h, h);
      const self = (t: number) => 3 * mm(r * t, h, 3 * h) + attention(r, t, t) + 3 * mm(r * t, h, h);
      const ffn = (t: number) => 3 * mm(r * t, h, f) + 3 * mm(r * t, f, h);
      const layer = cross(l, p) + cross(p, l) + self(l) + self(p) + ffn(l) + ffn(p);
      core = 2 * mm(n * p, dv, h) + 2 * mm(n * l, dt, h) + c.layers * layer + 3 * mm(r, 2 * h, h);
      break;
    }
  }
  const heads = 3 * mm(n, h, k) + (s.itm ? 3 * mm(n, h, 2) : 0);
  const itc = !s.itc ? 0 : c.itcSource === 'fusion' ? 2 * 3 * mm(n, h, e) : 2 * (mm(n, dt, e) + mm(n, dv, e));
  return core + heads + itc;
}
