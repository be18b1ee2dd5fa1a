import { type FunctionSpec, forLoop, I32, locals, op, V128 } from './wasm-binary.js';

// matmul(a, b, bias, c, m, k, n): C = A·B (+ bias) for row-major A [m, k], B [k, n], C [m, n],
// bias [n] or pointer 0 for none; n % 8 = 0. B is read as it lies — no packing — which is what
// makes it faster than XNNPACK for the few rows of a batch of posts (XNNPACK packs B first, at a
// cost of ~5 ns per element: more than the product itself when m is small). Tiles of 4 rows × 8
// columns stay in 8 registers; for each 8-column strip, every row tile streams the strip of B
// (k × 32 bytes), which stays in cache across the row tiles.

const ROWS = 4;

const g = locals(
  [['a', I32], ['b', I32], ['bias', I32], ['c', I32], ['m', I32], ['k', I32], ['n', I32]] as const,
  [
    ['j', I32], ['i', I32], ['kk', I32], ['rowBytes', I32], ['kBytes', I32], ['pb', I32], ['p0', I32], ['p1', I32], ['p2', I32], ['p3', I32],
    ['b0', V128], ['b1', V128], ['s', V128],
    ['c00', V128], ['c01', V128], ['c10', V128], ['c11', V128], ['c20', V128], ['c21', V128], ['c30', V128], ['c31', V128],
    ['out', I32],
  ] as const,
);
const x = g.idx;
const get = op.localGet;
const acc = [['c00', 'c01'], ['c10', 'c11'], ['c20', 'c21'], ['c30', 'c31']] as const;
const rowPtr = [x.p0, x.p1, x.p2, x.p3];

/** Accumulators of `rows` rows start at the bias strip (or 0). */
function initAccumulators(rows: number): number[][] {
  return acc.slice(0, rows).flatMap(([a0, a1]) => [
    op.block,
    get(x.bias), op.i32Eqz, op.brIf(0),
    get(x.bias), get(x.j), op.i32Add, op.v128Load(0), op.localSet(x[a0]),
    get(x.bias), get(x.j), op.i32Add, op.v128Load(16), op.localSet(x[a1]),
    op.end,
    // with no bias: zero (a bias-less call jumps here with the locals still holding the last tile's values)
    op.block,
    get(x.bias), op.brIf(0),
    op.f32Const(0), op.f32x4Splat, op.localTee(x[a0]), op.localSet(x[a1]),
    op.end,
  ]);
}

/** One k step for `rows` rows: load B's 8 values, broadcast each row's A value, multiply-add. */
function step(rows: number): number[][] {
  return [
    get(x.pb), op.v128Load(0), op.localSet(x.b0),
    get(x.pb), op.v128Load(16), op.localSet(x.b1),
    ...acc.slice(0, rows).flatMap(([a0, a1], r) => [
      get(rowPtr[r]!), op.f32Load(), op.f32x4Splat, op.localSet(x.s),
      get(x[a0]), get(x.s), get(x.b0), op.f32x4Mul, op.f32x4Add, op.localSet(x[a0]),
      get(x[a1]), get(x.s), get(x.b1), op.f32x4Mul, op.f32x4Add, op.localSet(x[a1]),
      get(rowPtr[r]!), op.i32Const(4), op.i32Add, op.localSet(rowPtr[r]!),
    ]),
    get(x.pb), get(x.rowBytes), op.i32Add, op.localSet(x.pb),
  ];
}

/** A tile of `rows` rows starting at row `i`, columns `[j, j + 8)` (j in bytes). */
function tile(rows: number): number[][] {
  return [
    ...initAccumulators(rows),
    // row pointers into A: a + (i + r)·k·4
    ...Array.from({ length: rows }, (_, r) => [get(x.a), get(x.i), op.i32Const(r), op.i32Add, get(x.kBytes), op.i32Mul, op.i32Add, op.localSet(rowPtr[r]!)]).flat(),
    get(x.b), get(x.j), op.i32Add, op.localSet(x.pb),
    ...forLoop(x.kk, [op.i32Const(0)], [get(x.k)], [op.i32Const(1)], step(rows)),
    ...acc.slice(0, rows).flatMap(([a0, a1], r) => [
      // c + (i + r)·n·4 + j
      get(x.c), get(x.i), op.i32Const(r), op.i32Add, get(x.rowBytes), op.i32Mul, op.i32Add, get(x.j), op.i32Add, op.localTee(x.out),
      get(x[a0]), op.v128Store(0),
      get(x.out), get(x[a1]), op.v128Store(16),
    ]),
  ];
}

/** The `matmul` function of the SIMD kernel module. */
export const matmulFunction: FunctionSpec = {
  name: 'matmul',
  params: g.params,
  locals: g.locals,
  body: [
    get(x.n), op.i32Const(2), op.i32Shl, op.localSet(x.rowBytes),
    get(x.k), op.i32Const(2), op.i32Shl, op.localSet(x.kBytes),
    ...forLoop(x.j, [op.i32Const(0)], [get(x.rowBytes)], [op.i32Const(32)], [
      // full tiles of ROWS rows while i + ROWS ≤ m, then single rows
      op.i32Const(0), op.localSet(x.i),
      op.block, op.loop,
      get(x.i), op.i32Const(ROWS), op.i32Add, get(x.m), op.i32GtU, op.brIf(1),
      ...tile(ROWS),
      get(x.i), op.i32Const(ROWS), op.i32Add, op.localSet(x.i),
      op.br(0),
      op.end, op.end,
      ...forLoop(x.i, [get(x.i)], [get(x.m)], [op.i32Const(1)], tile(1)),
    ]),
  ],
};
