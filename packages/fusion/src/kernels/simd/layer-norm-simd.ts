import { F32, type FunctionSpec, forLoop, I32, locals, op, V128 } from './wasm-binary.js';

// Layer normalisation over rows of width w (w % 4 = 0), forward and backward, each one pass per
// row instead of a chain of tfjs kernels (means, broadcast subtractions, squares, …):
//   layerNorm(x, gamma, beta, y, xhat, inv, rows, w, eps):
//     μ, σ² per row; inv = 1/√(σ² + ε); xhat = (x − μ)·inv; y = xhat·γ + β
//   layerNormGrad(dy, xhat, inv, gamma, dx, dgamma, dbeta, rows, w):
//     g = dy·γ; dx = (g − mean(g) − xhat·mean(g·xhat))·inv; dγ = Σ_rows dy·xhat; dβ = Σ_rows dy
// (dgamma and dbeta are accumulated: the caller passes them zeroed).

const get = op.localGet;
const set = op.localSet;

/** `Σ` of the four lanes of local `v` (pushes an f32). */
const laneSum = (v: number) => [get(v), op.f32x4ExtractLane(0), get(v), op.f32x4ExtractLane(1), op.f32Add, get(v), op.f32x4ExtractLane(2), op.f32Add, get(v), op.f32x4ExtractLane(3), op.f32Add];
const zero = (v: number) => [op.f32Const(0), op.f32x4Splat, set(v)];
const addr = (base: number, k: number) => [get(base), get(k), op.i32Add];

const f = locals(
  [['x', I32], ['gamma', I32], ['beta', I32], ['y', I32], ['xhat', I32], ['inv', I32], ['rows', I32], ['w', I32], ['eps', F32]] as const,
  [['r', I32], ['k', I32], ['row', I32], ['wBytes', I32], ['acc', V128], ['vmean', V128], ['vinv', V128], ['t', V128], ['mean', F32], ['scale', F32]] as const,
);

/** The `layerNorm` function of the SIMD kernel module. */
export const layerNormFunction: FunctionSpec = {
  name: 'layerNorm',
  params: f.params,
  locals: f.locals,
  body: (() => {
    const x = f.idx;
    const width = [get(x.w), op.f32ConvertI32U];
    const perRow = [
      get(x.r), get(x.wBytes), op.i32Mul, set(x.row),
      // mean
      ...zero(x.acc),
      ...forLoop(x.k, [op.i32Const(0)], [get(x.wBytes)], [op.i32Const(16)], [
        get(x.acc), get(x.x), get(x.row), op.i32Add, get(x.k), op.i32Add, op.v128Load(), op.f32x4Add, set(x.acc),
      ]),
      ...laneSum(x.acc), ...width, op.f32Div, set(x.mean),
      get(x.mean), op.f32x4Splat, set(x.vmean),
      // variance of the centred values
      ...zero(x.acc),
      ...forLoop(x.k, [op.i32Const(0)], [get(x.wBytes)], [op.i32Const(16)], [
        get(x.x), get(x.row), op.i32Add, get(x.k), op.i32Add, op.v128Load(), get(x.vmean), op.f32x4Sub, set(x.t),
        get(x.acc), get(x.t), get(x.t), op.f32x4Mul, op.f32x4Add, set(x.acc),
      ]),
      op.f32Const(1), ...laneSum(x.acc), ...width, op.f32Div, get(x.eps), op.f32Add, op.f32Sqrt, op.f32Div, set(x.scale),
      get(x.inv), get(x.r), op.i32Const(2), op.i32Shl, op.i32Add, get(x.scale), op.f32Store(),
      get(x.scale), op.f32x4Splat, set(x.vinv),
      // xhat and y
      ...forLoop(x.k, [op.i32Const(0)], [get(x.wBytes)], [op.i32Const(16)], [
        get(x.x), get(x.row), op.i32Add, get(x.k), op.i32Add, op.v128Load(), get(x.vmean), op.f32x4Sub, get(x.vinv), op.f32x4Mul, set(x.t),
        get(x.xhat), get(x.row), op.i32Add, get(x.k), op.i32Add, get(x.t), op.v128Store(),
        get(x.y), get(x.row), op.i32Add, get(x.k), op.i32Add,
        get(x.t), ...addr(x.gamma, x.k), op.v128Load(), op.f32x4Mul, ...addr(x.beta, x.k), op.v128Load(), op.f32x4Add,
        op.v128Store(),
      ]),
    ];
    return [get(x.w), op.i32Const(2), op.i32Shl, set(x.wBytes), ...forLoop(x.r, [op.i32Const(0)], [get(x.rows)], [op.i32Const(1)], perRow)];
  })(),
};

const b = locals(
  [['dy', I32], ['xhat', I32], ['inv', I32], ['gamma', I32], ['dx', I32], ['dgamma', I32], ['dbeta', I32], ['rows', I32], ['w', I32]] as const,
  [['r', I32], ['k', I32], ['row', I32], ['wBytes', I32], ['sumG', V128], ['sumGx', V128], ['g', V128], ['d', V128], ['h', V128], ['vmg', V128], ['vmgx', V128], ['vinv', V128]] as const,
);

/** The `layerNormGrad` function of the SIMD kernel module. */
export const layerNormGradFunction: FunctionSpec = {
  name: 'layerNormGrad',
  params: b.params,
  locals: b.locals,
  body: (() => {
    const x = b.idx;
    const width = [get(x.w), op.f32ConvertI32U];
    const at = (base: number) => [get(base), get(x.row), op.i32Add, get(x.k), op.i32Add];
    const perRow = [
      get(x.r), get(x.wBytes), op.i32Mul, set(x.row),
      ...zero(x.sumG), ...zero(x.sumGx),
      ...forLoop(x.k, [op.i32Const(0)], [get(x.wBytes)], [op.i32Const(16)], [
        ...at(x.dy), op.v128Load(), set(x.d),
        ...at(x.xhat), op.v128Load(), set(x.h),
        get(x.d), ...addr(x.gamma, x.k), op.v128Load(), op.f32x4Mul, set(x.g),
        get(x.sumG), get(x.g), op.f32x4Add, set(x.sumG),
        get(x.sumGx), get(x.g), get(x.h), op.f32x4Mul, op.f32x4Add, set(x.sumGx),
        // dγ += dy·xhat, dβ += dy
        ...addr(x.dgamma, x.k), ...addr(x.dgamma, x.k), op.v128Load(), get(x.d), get(x.h), op.f32x4Mul, op.f32x4Add, op.v128Store(),
        ...addr(x.dbeta, x.k), ...addr(x.dbeta, x.k), op.v128Load(), get(x.d), op.f32x4Add, op.v128Store(),
      ]),
      ...laneSum(x.sumG), ...width, op.f32Div, op.f32x4Splat, set(x.vmg),
      ...laneSum(x.sumGx), ...width, op.f32Div, op.f32x4Splat, set(x.vmgx),
      get(x.inv), get(x.r), op.i32Const(2), op.i32Shl, op.i32Add, op.f32Load(), op.f32x4Splat, set(x.vinv),
      ...forLoop(x.k, [op.i32Const(0)], [get(x.wBytes)], [op.i32Const(16)], [
        ...at(x.dx),
        ...at(x.dy), op.v128Load(), ...addr(x.gamma, x.k), op.v128Load(), op.f32x4Mul,
        get(x.vmg), op.f32x4Sub,
        ...at(x.xhat), op.v128Load(), get(x.vmgx), op.f32x4Mul, op.f32x4Sub,
        get(x.vinv), op.f32x4Mul,
        op.v128Store(),
      ]),
    ];
    return [get(x.w), op.i32Const(2), op.i32Shl, set(x.wBytes), ...forLoop(x.r, [op.i32Const(0)], [get(x.rows)], [op.i32Const(1)], perRow)];
  })(),
};
