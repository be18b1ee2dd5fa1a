import { F32, type FunctionSpec, forLoop, I32, locals, op, V128 } from './wasm-binary.js';

// Products of each post's vector with its own rows of a `[nv, p, d]` tensor V (row-block
// n % nv for post n, so 2N text rows can share N image blocks without copying them):
//   rowDots(r, v, out, nr, nv, p, d, scale):  out[n, q] = scale · Σ_k r[n, k]·V[n % nv, q, k]
//   weightedRows(w, v, out, nr, nv, p, d):    out[n, k] = Σ_q w[n, q]·V[n % nv, q, k]
// Both read V once per post, 16 floats (4 lanes × 4 accumulators) at a time: d % 16 = 0.

const ACC = ['a0', 'a1', 'a2', 'a3'] as const;

function zeroAccumulators(idx: Record<(typeof ACC)[number], number>): number[][] {
  return ACC.flatMap((a) => [op.f32Const(0), op.f32x4Splat, op.localSet(idx[a])]);
}

const rd = locals(
  [['r', I32], ['v', I32], ['out', I32], ['nr', I32], ['nv', I32], ['p', I32], ['d', I32], ['scale', F32]] as const,
  [['n', I32], ['q', I32], ['k', I32], ['rrow', I32], ['vrow', I32], ['vbase', I32], ['outp', I32], ['dBytes', I32], ['a0', V128], ['a1', V128], ['a2', V128], ['a3', V128]] as const,
);

/** `rowDots`: one dot product per (post, row), 4 independent accumulators over the width. */
export const rowDotsFunction: FunctionSpec = {
  name: 'rowDots',
  params: rd.params,
  locals: rd.locals,
  body: (() => {
    const x = rd.idx;
    const get = op.localGet;
    const accumulate = ACC.flatMap((a, j) => [
      get(x[a]),
      get(x.rrow), get(x.k), op.i32Add, op.v128Load(16 * j),
      get(x.vrow), get(x.k), op.i32Add, op.v128Load(16 * j),
      op.f32x4Mul, op.f32x4Add, op.localSet(x[a]),
    ]);
    const laneSum = [
      get(x.a0), get(x.a1), op.f32x4Add, get(x.a2), op.f32x4Add, get(x.a3), op.f32x4Add, op.localSet(x.a0),
      get(x.a0), op.f32x4ExtractLane(0), get(x.a0), op.f32x4ExtractLane(1), op.f32Add,
      get(x.a0), op.f32x4ExtractLane(2), op.f32Add, get(x.a0), op.f32x4ExtractLane(3), op.f32Add,
    ];
    const perRow = [
      get(x.vbase), get(x.q), get(x.dBytes), op.i32Mul, op.i32Add, op.localSet(x.vrow),
      ...zeroAccumulators(x),
      ...forLoop(x.k, [op.i32Const(0)], [get(x.dBytes)], [op.i32Const(64)], accumulate),
      get(x.outp), get(x.q), op.i32Const(2), op.i32Shl, op.i32Add,
      ...laneSum, get(x.scale), op.f32Mul,
      op.f32Store(),
    ];
    const perPost = [
      get(x.r), get(x.n), get(x.dBytes), op.i32Mul, op.i32Add, op.localSet(x.rrow),
      get(x.v), get(x.n), get(x.nv), op.i32RemU, get(x.p), op.i32Mul, get(x.dBytes), op.i32Mul, op.i32Add, op.localSet(x.vbase),
      get(x.out), get(x.n), get(x.p), op.i32Mul, op.i32Const(2), op.i32Shl, op.i32Add, op.localSet(x.outp),
      ...forLoop(x.q, [op.i32Const(0)], [get(x.p)], [op.i32Const(1)], perRow),
    ];
    return [
      get(x.d), op.i32Const(2), op.i32Shl, op.localSet(x.dBytes),
      ...forLoop(x.n, [op.i32Const(0)], [get(x.nr)], [op.i32Const(1)], perPost),
    ];
  })(),
};

const wr = locals(
  [['w', I32], ['v', I32], ['out', I32], ['nr', I32], ['nv', I32], ['p', I32], ['d', I32]] as const,
  [['n', I32], ['q', I32], ['k', I32], ['wrow', I32], ['vrow', I32], ['vbase', I32], ['orow', I32], ['dBytes', I32], ['s', V128], ['a0', V128], ['a1', V128], ['a2', V128], ['a3', V128]] as const,
);

/** `weightedRows`: per post, a 16-float column strip is accumulated over all rows in registers. */
export const weightedRowsFunction: FunctionSpec = {
  name: 'weightedRows',
  params: wr.params,
  locals: wr.locals,
  body: (() => {
    const x = wr.idx;
    const get = op.localGet;
    const perRow = [
      get(x.wrow), get(x.q), op.i32Const(2), op.i32Shl, op.i32Add, op.f32Load(), op.f32x4Splat, op.localSet(x.s),
      ...ACC.flatMap((a, j) => [get(x[a]), get(x.s), get(x.vrow), op.v128Load(16 * j), op.f32x4Mul, op.f32x4Add, op.localSet(x[a])]),
      get(x.vrow), get(x.dBytes), op.i32Add, op.localSet(x.vrow),
    ];
    const perStrip = [
      ...zeroAccumulators(x),
      get(x.vbase), get(x.k), op.i32Add, op.localSet(x.vrow),
      ...forLoop(x.q, [op.i32Const(0)], [get(x.p)], [op.i32Const(1)], perRow),
      ...ACC.flatMap((a, j) => [get(x.orow), get(x.k), op.i32Add, get(x[a]), op.v128Store(16 * j)]),
    ];
    const perPost = [
      get(x.w), get(x.n), get(x.p), op.i32Mul, op.i32Const(2), op.i32Shl, op.i32Add, op.localSet(x.wrow),
      get(x.v), get(x.n), get(x.nv), op.i32RemU, get(x.p), op.i32Mul, get(x.dBytes), op.i32Mul, op.i32Add, op.localSet(x.vbase),
      get(x.out), get(x.n), get(x.dBytes), op.i32Mul, op.i32Add, op.localSet(x.orow),
      ...forLoop(x.k, [op.i32Const(0)], [get(x.dBytes)], [op.i32Const(64)], perStrip),
    ];
    return [
      get(x.d), op.i32Const(2), op.i32Shl, op.localSet(x.dBytes),
      ...forLoop(x.n, [op.i32Const(0)], [get(x.nr)], [op.i32Const(1)], perPost),
    ];
  })(),
};
