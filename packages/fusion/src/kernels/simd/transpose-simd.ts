import { type FunctionSpec, forLoop, I32, locals, op } from './wasm-binary.js';

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
