import { F32, type FunctionSpec, forLoop, I32, locals, op, V128 } from './wasm-binary.js';

// The two products of multi-head attention, reading each head's columns where they lie in the
// projections' outputs (row stride and column offset given), so that heads are never split or
// merged by transposes. Head h of post n uses columns [offset + h·d, offset + (h + 1)·d); d % 16 = 0.
//
// headDots(x, y, bias, out, rows, heads, sx, sy, d, xStride, xOffset, yStride, yOffset, scale), four keys a step:
//   out[n, h, i, j] = scale · Σ_t x[n, i, h·d + t]·y[n, j, h·d + t] + bias[n, j]   (bias 0: none)
// headMix(w, y, out, rows, heads, a, b, d, yStride, yOffset, outStride, outOffset, transposed):
//   out[n, i, h·d + :] = Σ_j W(n, h, i, j) · y[n, j, h·d + :],  i < a, j < b,
//   W(n, h, i, j) = w[n, h, i, j] ([a, b] per head) or, transposed, w[n, h, j, i] ([b, a] per head)

const ACC = ['a0', 'a1', 'a2', 'a3'] as const;
const get = op.localGet;

/** `base + ((n·count + row)·stride + offset + h·d)·4`, into `into`. */
function rowAddress(base: number, n: number, count: number, row: number, stride: number, offset: number, h: number, d: number, into: number): number[][] {
  return [
    get(base),
    get(n), get(count), op.i32Mul, get(row), op.i32Add, get(stride), op.i32Mul,
    get(offset), op.i32Add, get(h), get(d), op.i32Mul, op.i32Add,
    op.i32Const(2), op.i32Shl, op.i32Add, op.localSet(into),
  ];
}

const hd = locals(
  [['x', I32], ['y', I32], ['bias', I32], ['out', I32], ['rows', I32], ['heads', I32], ['sx', I32], ['sy', I32], ['d', I32], ['xStride', I32], ['xOffset', I32], ['yStride', I32], ['yOffset', I32], ['scale', F32]] as const,
  [['n', I32], ['h', I32], ['i', I32], ['j', I32], ['t', I32], ['px', I32], ['py', I32], ['po', I32], ['dBytes', I32], ['a0', V128], ['a1', V128], ['a2', V128], ['a3', V128], ['bv', F32],
    ['yRowBytes', I32], ['q1', I32], ['q2', I32], ['q3', I32], ['x0', V128], ['x1', V128], ['x2', V128], ['x3', V128], ['bias4', V128], ['s01', V128], ['s23', V128], ['blockEnd', I32]] as const,
);

/** Byte lanes of float lanes `[a, b, c, d]` of the two shuffled vectors (0–3 first, 4–7 second). */
const floats = (...lanes: number[]) => lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);

/** `headDots`: one dot product per (post, head, query row, key row), 16 floats a step. */
export const headDotsFunction: FunctionSpec = {
  name: 'headDots',
  params: hd.params,
  locals: hd.locals,
  body: (() => {
    const x = hd.idx;
    const dot = [
      ...rowAddress(x.y, x.n, x.sy, x.j, x.yStride, x.yOffset, x.h, x.d, x.py),
      ...ACC.flatMap((a) => [op.f32Const(0), op.f32x4Splat, op.localSet(x[a])]),
      ...forLoop(x.t, [op.i32Const(0)], [get(x.dBytes)], [op.i32Const(64)], ACC.flatMap((a, k) => [
        get(x[a]),
        get(x.px), get(x.t), op.i32Add, op.v128Load(16 * k),
        get(x.py), get(x.t), op.i32Add, op.v128Load(16 * k),
        op.f32x4Mul, op.f32x4Add, op.localSet(x[a]),
      ])),
      get(x.a0), get(x.a1), op.f32x4Add, get(x.a2), op.f32x4Add, get(x.a3), op.f32x4Add, op.localSet(x.a0),
      // bias[n, j], or 0 (a block sees none of the enclosing stack, so the value goes through a local)
      op.f32Const(0), op.localSet(x.bv),
      op.block,
      get(x.bias), op.i32Eqz, op.brIf(0),
      get(x.bias), get(x.n), get(x.sy), op.i32Mul, get(x.j), op.i32Add, op.i32Const(2), op.i32Shl, op.i32Add, op.f32Load(), op.localSet(x.bv),
      op.end,
      get(x.po),
      get(x.a0), op.f32x4ExtractLane(0), get(x.a0), op.f32x4ExtractLane(1), op.f32Add,
      get(x.a0), op.f32x4ExtractLane(2), op.f32Add, get(x.a0), op.f32x4ExtractLane(3), op.f32Add,
      get(x.scale), op.f32Mul, get(x.bv), op.f32Add,
      op.f32Store(),
      get(x.po), op.i32Const(4), op.i32Add, op.localSet(x.po),
    ];
    // Four keys at once: each 16-float strip of the query is loaded once for all four, and the
    // four sums leave through one lane transpose as a vector (the 1-key loop does the rest).
    const xs = [x.x0, x.x1, x.x2, x.x3];
    const qs = [x.py, x.q1, x.q2, x.q3];
    const dot4 = [
      ...rowAddress(x.y, x.n, x.sy, x.j, x.yStride, x.yOffset, x.h, x.d, x.py),
      ...[x.q1, x.q2, x.q3].flatMap((q, k) => [get(x.py), get(x.yRowBytes), op.i32Const(k + 1), op.i32Mul, op.i32Add, op.localSet(q)]),
      ...ACC.flatMap((a) => [op.f32Const(0), op.f32x4Splat, op.localSet(x[a])]),
      ...forLoop(x.t, [op.i32Const(0)], [get(x.dBytes)], [op.i32Const(64)], [
        ...xs.flatMap((v, k) => [get(x.px), get(x.t), op.i32Add, op.v128Load(16 * k), op.localSet(v)]),
        ...ACC.flatMap((a, key) => xs.flatMap((v, k) => [
          get(x[a]), get(v), get(qs[key]!), get(x.t), op.i32Add, op.v128Load(16 * k), op.f32x4Mul, op.f32x4Add, op.localSet(x[a]),
        ])),
      ]),
      // [Σa0, Σa1, Σa2, Σa3] by lane shuffles
      get(x.a0), get(x.a1), op.shuffle(floats(0, 4, 1, 5)), get(x.a0), get(x.a1), op.shuffle(floats(2, 6, 3, 7)), op.f32x4Add, op.localSet(x.s01),
      get(x.a2), get(x.a3), op.shuffle(floats(0, 4, 1, 5)), get(x.a2), get(x.a3), op.shuffle(floats(2, 6, 3, 7)), op.f32x4Add, op.localSet(x.s23),
      op.f32Const(0), op.f32x4Splat, op.localSet(x.bias4),
      op.block,
      get(x.bias), op.i32Eqz, op.brIf(0),
      get(x.bias), get(x.n), get(x.sy), op.i32Mul, get(x.j), op.i32Add, op.i32Const(2), op.i32Shl, op.i32Add, op.v128Load(), op.localSet(x.bias4),
      op.end,
      get(x.po),
      get(x.s01), get(x.s23), op.shuffle(floats(0, 1, 4, 5)), get(x.s01), get(x.s23), op.shuffle(floats(2, 3, 6, 7)), op.f32x4Add,
      get(x.scale), op.f32x4Splat, op.f32x4Mul, get(x.bias4), op.f32x4Add,
      op.v128Store(),
      get(x.po), op.i32Const(16), op.i32Add, op.localSet(x.po),
    ];
    const perQuery = [
      ...rowAddress(x.x, x.n, x.sx, x.i, x.xStride, x.xOffset, x.h, x.d, x.px),
      ...forLoop(x.j, [op.i32Const(0)], [get(x.blockEnd)], [op.i32Const(4)], dot4),
      ...forLoop(x.j, [get(x.j)], [get(x.sy)], [op.i32Const(1)], dot),
    ];
    return [
      get(x.d), op.i32Const(2), op.i32Shl, op.localSet(x.dBytes),
      get(x.yStride), op.i32Const(2), op.i32Shl, op.localSet(x.yRowBytes),
      // blocks of four keys while j + 4 ≤ sy (unsigned compare, so never below 0)
      get(x.sy), op.i32Const(3), op.i32Sub, op.i32Const(0), get(x.sy), op.i32Const(3), op.i32GeU, op.select, op.localSet(x.blockEnd),
      get(x.out), op.localSet(x.po),
      ...forLoop(x.n, [op.i32Const(0)], [get(x.rows)], [op.i32Const(1)],
        forLoop(x.h, [op.i32Const(0)], [get(x.heads)], [op.i32Const(1)],
          forLoop(x.i, [op.i32Const(0)], [get(x.sx)], [op.i32Const(1)], perQuery))),
    ];
  })(),
};

const hm = locals(
  [['w', I32], ['y', I32], ['out', I32], ['rows', I32], ['heads', I32], ['a', I32], ['b', I32], ['d', I32], ['yStride', I32], ['yOffset', I32], ['outStride', I32], ['outOffset', I32], ['transposed', I32]] as const,
  [['n', I32], ['h', I32], ['i', I32], ['j', I32], ['t', I32], ['py', I32], ['po', I32], ['pw', I32], ['wStep', I32], ['wBase', I32], ['dBytes', I32], ['yRowBytes', I32], ['s', V128], ['a0', V128], ['a1', V128], ['a2', V128], ['a3', V128],
    ['y0', V128], ['y1', V128], ['c00', V128], ['c01', V128], ['c10', V128], ['c11', V128], ['c20', V128], ['c21', V128], ['c30', V128], ['c31', V128],
    ['w1', I32], ['w2', I32], ['w3', I32], ['o1', I32], ['o2', I32], ['o3', I32], ['blockEnd', I32]] as const,
);

/** `headMix`: per output row and 16-float strip of its head, the weighted rows accumulate in registers. */
export const headMixFunction: FunctionSpec = {
  name: 'headMix',
  params: hm.params,
  locals: hm.locals,
  body: (() => {
    const x = hm.idx;
    const perInput = [
      get(x.pw), op.f32Load(), op.f32x4Splat, op.localSet(x.s),
      ...ACC.flatMap((a, k) => [get(x[a]), get(x.s), get(x.py), op.v128Load(16 * k), op.f32x4Mul, op.f32x4Add, op.localSet(x[a])]),
      get(x.pw), get(x.wStep), op.i32Add, op.localSet(x.pw),
      get(x.py), get(x.yRowBytes), op.i32Add, op.localSet(x.py),
    ];
    const perStrip = [
      ...ACC.flatMap((a) => [op.f32Const(0), op.f32x4Splat, op.localSet(x[a])]),
      // y[n, 0, yOffset + h·d] + t
      op.i32Const(0), op.localSet(x.j),
      ...rowAddress(x.y, x.n, x.b, x.j, x.yStride, x.yOffset, x.h, x.d, x.py),
      get(x.py), get(x.t), op.i32Add, op.localSet(x.py),
      get(x.wBase), op.localSet(x.pw),
      ...forLoop(x.j, [op.i32Const(0)], [get(x.b)], [op.i32Const(1)], perInput),
      ...ACC.flatMap((a, k) => [get(x.po), get(x.t), op.i32Add, get(x[a]), op.v128Store(16 * k)]),
    ];
    // W's first entry for output row i of head h: w + 4·((n·heads + h)·a·b + (transposed ? i : i·b)),
    // then a step of 4 (row-major) or 4·a (transposed) bytes per input row j.
    const outputStart = [
      get(x.w),
      get(x.n), get(x.heads), op.i32Mul, get(x.h), op.i32Add, get(x.a), op.i32Mul, get(x.b), op.i32Mul,
      get(x.i), get(x.i), get(x.b), op.i32Mul, get(x.transposed), op.select, op.i32Add,
      op.i32Const(2), op.i32Shl, op.i32Add, op.localSet(x.wBase),
      ...rowAddress(x.out, x.n, x.a, x.i, x.outStride, x.outOffset, x.h, x.d, x.po),
    ];
    const perOutput = [...outputStart, ...forLoop(x.t, [op.i32Const(0)], [get(x.dBytes)], [op.i32Const(64)], perStrip)];
    // Four output rows at once, 8-float strips: each pair of y vectors is loaded once for the four
    // rows (eight accumulators stay in registers); the 1-row path does the remaining rows.
    const acc = [[x.c00, x.c01], [x.c10, x.c11], [x.c20, x.c21], [x.c30, x.c31]];
    const wOffset = [null, x.w1, x.w2, x.w3];
    const outOffset = [null, x.o1, x.o2, x.o3];
    const at = (base: number, offset: number | null) => (offset === null ? [get(base)] : [get(base), get(offset), op.i32Add]);
    const perInput4 = [
      get(x.py), op.v128Load(0), op.localSet(x.y0),
      get(x.py), op.v128Load(16), op.localSet(x.y1),
      ...acc.flatMap(([c0, c1], r) => [
        ...at(x.pw, wOffset[r]!), op.f32Load(), op.f32x4Splat, op.localSet(x.s),
        get(c0!), get(x.s), get(x.y0), op.f32x4Mul, op.f32x4Add, op.localSet(c0!),
        get(c1!), get(x.s), get(x.y1), op.f32x4Mul, op.f32x4Add, op.localSet(c1!),
      ]),
      get(x.pw), get(x.wStep), op.i32Add, op.localSet(x.pw),
      get(x.py), get(x.yRowBytes), op.i32Add, op.localSet(x.py),
    ];
    const perStrip4 = [
      ...acc.flat().flatMap((c) => [op.f32Const(0), op.f32x4Splat, op.localSet(c)]),
      op.i32Const(0), op.localSet(x.j),
      ...rowAddress(x.y, x.n, x.b, x.j, x.yStride, x.yOffset, x.h, x.d, x.py),
      get(x.py), get(x.t), op.i32Add, op.localSet(x.py),
      get(x.wBase), op.localSet(x.pw),
      ...forLoop(x.j, [op.i32Const(0)], [get(x.b)], [op.i32Const(1)], perInput4),
      ...acc.flatMap(([c0, c1], r) => [
        ...at(x.po, outOffset[r]!), get(x.t), op.i32Add, get(c0!), op.v128Store(0),
        ...at(x.po, outOffset[r]!), get(x.t), op.i32Add, get(c1!), op.v128Store(16),
      ]),
    ];
    const perOutput4 = [...outputStart, ...forLoop(x.t, [op.i32Const(0)], [get(x.dBytes)], [op.i32Const(32)], perStrip4)];
    // W's next row: 4·b bytes on (row-major) or 4 (transposed); the output's: 4·outStride.
    const rowSteps = [
      ...[x.w1, x.w2, x.w3].flatMap((w, k) => [op.i32Const(4), get(x.b), op.i32Const(2), op.i32Shl, get(x.transposed), op.select, op.i32Const(k + 1), op.i32Mul, op.localSet(w)]),
      ...[x.o1, x.o2, x.o3].flatMap((o, k) => [get(x.outStride), op.i32Const(4 * (k + 1)), op.i32Mul, op.localSet(o)]),
      get(x.a), op.i32Const(3), op.i32Sub, op.i32Const(0), get(x.a), op.i32Const(3), op.i32GeU, op.select, op.localSet(x.blockEnd),
    ];
    return [
      get(x.d), op.i32Const(2), op.i32Shl, op.localSet(x.dBytes),
      get(x.yStride), op.i32Const(2), op.i32Shl, op.localSet(x.yRowBytes),
      get(x.a), op.i32Const(2), op.i32Shl, op.i32Const(4), get(x.transposed), op.select, op.localSet(x.wStep),
      ...rowSteps,
      ...forLoop(x.n, [op.i32Const(0)], [get(x.rows)], [op.i32Const(1)],
        forLoop(x.h, [op.i32Const(0)], [get(x.heads)], [op.i32Const(1)], [
          ...forLoop(x.i, [op.i32Const(0)], [get(x.blockEnd)], [op.i32Const(4)], perOutput4),
          ...forLoop(x.i, [get(x.i)], [get(x.a)], [op.i32Const(1)], perOutput),
        ])),
    ];
  })(),
};
