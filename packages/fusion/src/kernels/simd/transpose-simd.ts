import { type FunctionSpec, forLoop, I32, locals, op, V128 } from './wasm-binary.js';

// transpose(src, dst, rows, cols): dst[j, i] = src[i, j] for a row-major [rows, cols] float32
// matrix, in 8 × 8 blocks so that reads and writes both stay within a few cache lines.

const BLOCK = 8;

const t = locals(
  [['src', I32], ['dst', I32], ['rows', I32], ['cols', I32]] as const,
  [['i0', I32], ['j0', I32], ['i1', I32], ['j1', I32], ['i', I32], ['j', I32]] as const,
);

/** `min(start + BLOCK, limit)` into `out`. */
function blockEnd(start: number, limit: number, out: number): number[][] {
  const get = op.localGet;
  return [
    get(start), op.i32Const(BLOCK), op.i32Add,
    get(limit),
    get(start), op.i32Const(BLOCK), op.i32Add, get(limit), op.i32LtU,
    op.select, op.localSet(out),
  ];
}

/** The `transpose` function of the SIMD kernel module. */
export const transposeFunction: FunctionSpec = {
  name: 'transpose',
  params: t.params,
  locals: t.locals,
  body: (() => {
    const x = t.idx;
    const get = op.localGet;
    const copy = [
      // dst + 4·(j·rows + i)
      get(x.dst), get(x.j), get(x.rows), op.i32Mul, get(x.i), op.i32Add, op.i32Const(2), op.i32Shl, op.i32Add,
      // src + 4·(i·cols + j)
      get(x.src), get(x.i), get(x.cols), op.i32Mul, get(x.j), op.i32Add, op.i32Const(2), op.i32Shl, op.i32Add,
      op.f32Load(),
      op.f32Store(),
    ];
    const block = forLoop(x.i, [get(x.i0)], [get(x.i1)], [op.i32Const(1)], forLoop(x.j, [get(x.j0)], [get(x.j1)], [op.i32Const(1)], copy));
    const row = [...blockEnd(x.i0, x.rows, x.i1), ...forLoop(x.j0, [op.i32Const(0)], [get(x.cols)], [op.i32Const(BLOCK)], [...blockEnd(x.j0, x.cols, x.j1), ...block])];
    return forLoop(x.i0, [op.i32Const(0)], [get(x.rows)], [op.i32Const(BLOCK)], row);
  })(),
};

// transpose4x4(src, dst, rows, cols) for rows % 4 = 0 and cols % 16 = 0: 4 × 4 tiles moved
// through registers with lane shuffles. For each 16-column strip, the tiles walk down the rows,
// so every 64-byte line of the source is read once and each of the strip's 16 destination rows
// is written sequentially.

/** Byte lanes of float lanes `[a, b, c, d]` of the two shuffled vectors (0–3 first, 4–7 second). */
const floats = (...lanes: number[]) => lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);

const t4 = locals(
  [['src', I32], ['dst', I32], ['rows', I32], ['cols', I32]] as const,
  [['j0', I32], ['i0', I32], ['jj', I32], ['ps', I32], ['pd', I32], ['rowBytes', I32], ['colBytes', I32],
    ['r0', V128], ['r1', V128], ['r2', V128], ['r3', V128], ['t0', V128], ['t1', V128], ['t2', V128], ['t3', V128]] as const,
);

/** The `transpose4x4` function of the SIMD kernel module. */
export const transpose4x4Function: FunctionSpec = {
  name: 'transpose4x4',
  params: t4.params,
  locals: t4.locals,
  body: (() => {
    const x = t4.idx;
    const get = op.localGet;
    const set = op.localSet;
    const rowsIn = [x.r0, x.r1, x.r2, x.r3];
    // one tile: source rows i0…i0+3 at column j (bytes: ps), destination rows j…j+3 at column i0 (pd)
    const tile = [
      // ps = src + i0·rowBytes + (j0 + jj)·4
      get(x.src), get(x.i0), get(x.rowBytes), op.i32Mul, op.i32Add, get(x.j0), get(x.jj), op.i32Add, op.i32Const(2), op.i32Shl, op.i32Add, set(x.ps),
      ...rowsIn.flatMap((r, k) => [get(x.ps), get(x.rowBytes), op.i32Const(k), op.i32Mul, op.i32Add, op.v128Load(), set(r)]),
      get(x.r0), get(x.r1), op.shuffle(floats(0, 4, 1, 5)), set(x.t0),
      get(x.r0), get(x.r1), op.shuffle(floats(2, 6, 3, 7)), set(x.t1),
      get(x.r2), get(x.r3), op.shuffle(floats(0, 4, 1, 5)), set(x.t2),
      get(x.r2), get(x.r3), op.shuffle(floats(2, 6, 3, 7)), set(x.t3),
      // pd = dst + (j0 + jj)·colBytes + i0·4
      get(x.dst), get(x.j0), get(x.jj), op.i32Add, get(x.colBytes), op.i32Mul, op.i32Add, get(x.i0), op.i32Const(2), op.i32Shl, op.i32Add, set(x.pd),
      get(x.pd), get(x.t0), get(x.t2), op.shuffle(floats(0, 1, 4, 5)), op.v128Store(),
      get(x.pd), get(x.colBytes), op.i32Add, get(x.t0), get(x.t2), op.shuffle(floats(2, 3, 6, 7)), op.v128Store(),
      get(x.pd), get(x.colBytes), op.i32Const(2), op.i32Mul, op.i32Add, get(x.t1), get(x.t3), op.shuffle(floats(0, 1, 4, 5)), op.v128Store(),
      get(x.pd), get(x.colBytes), op.i32Const(3), op.i32Mul, op.i32Add, get(x.t1), get(x.t3), op.shuffle(floats(2, 3, 6, 7)), op.v128Store(),
    ];
    return [
      get(x.cols), op.i32Const(2), op.i32Shl, set(x.rowBytes),
      get(x.rows), op.i32Const(2), op.i32Shl, set(x.colBytes),
      ...forLoop(x.j0, [op.i32Const(0)], [get(x.cols)], [op.i32Const(16)],
        forLoop(x.i0, [op.i32Const(0)], [get(x.rows)], [op.i32Const(4)],
          forLoop(x.jj, [op.i32Const(0)], [op.i32Const(16)], [op.i32Const(4)], tile))),
    ];
  })(),
};
