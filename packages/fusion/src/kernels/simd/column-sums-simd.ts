import { type FunctionSpec, forLoop, I32, locals, op, V128 } from './wasm-binary.js';

// columnSums(x, out, m, n): out[j] = Σ_i x[i, j] for a row-major [m, n] matrix, n % 16 = 0: a
// bias's or a layer norm's gradient. tfjs reduces a non-last axis by transposing first; here
// each 16-column strip is summed in 4 registers while the rows stream past, reading x once.

const c = locals(
  [['x', I32], ['out', I32], ['m', I32], ['n', I32]] as const,
  [['j', I32], ['i', I32], ['p', I32], ['rowBytes', I32], ['a0', V128], ['a1', V128], ['a2', V128], ['a3', V128]] as const,
);
const ACC = ['a0', 'a1', 'a2', 'a3'] as const;

/** The `columnSums` function of the SIMD kernel module. */
export const columnSumsFunction: FunctionSpec = {
  name: 'columnSums',
  params: c.params,
  locals: c.locals,
  body: (() => {
    const x = c.idx;
    const get = op.localGet;
    const perRow = [
      ...ACC.flatMap((a, k) => [get(x[a]), get(x.p), op.v128Load(16 * k), op.f32x4Add, op.localSet(x[a])]),
      get(x.p), get(x.rowBytes), op.i32Add, op.localSet(x.p),
    ];
    const perStrip = [
      ...ACC.flatMap((a) => [op.f32Const(0), op.f32x4Splat, op.localSet(x[a])]),
      get(x.x), get(x.j), op.i32Add, op.localSet(x.p),
      ...forLoop(x.i, [op.i32Const(0)], [get(x.m)], [op.i32Const(1)], perRow),
      ...ACC.flatMap((a, k) => [get(x.out), get(x.j), op.i32Add, get(x[a]), op.v128Store(16 * k)]),
    ];
    return [
      get(x.n), op.i32Const(2), op.i32Shl, op.localSet(x.rowBytes),
      ...forLoop(x.j, [op.i32Const(0)], [get(x.rowBytes)], [op.i32Const(64)], perStrip),
    ];
  })(),
};
