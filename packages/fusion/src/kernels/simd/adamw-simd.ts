import { F32, type FunctionSpec, I32, op, V128 } from './wasm-binary.js';

// adamw(p, g, m, v, pOut, mOut, vOut, n, keep, stepSize, beta1, beta2, invCorrection2, epsilon):
// for k < n (pointers are byte offsets of float32 arrays; mOut/vOut may equal m/v):
//   m' = β₁m + (1 − β₁)g;  v' = β₂v + (1 − β₂)g²;  p' = p·keep − stepSize·m' / (√(v'/c₂) + ε)
// four lanes at a time, then a scalar tail.

const [P, G, M, V, PO, MO, VO, N, KEEP, STEP, B1, B2, INV_C2, EPS] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
// locals: byte index, vector end, scalar end, then vector constants and temporaries
const K = 14;
const END4 = 15;
const END = 16;
const [VKEEP, VSTEP, VB1, VC1, VB2, VC2, VINV, VEPS, VG, VM, VV] = [17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27];
const [SG, SM, SV] = [28, 29, 30];

const at = (ptr: number) => [op.localGet(ptr), op.localGet(K), op.i32Add];

function vectorStep(): number[][] {
  return [
    // g
    ...at(G), op.v128Load(), op.localSet(VG),
    // m' = β₁m + c₁g
    ...at(MO),
    ...at(M), op.v128Load(), op.localGet(VB1), op.f32x4Mul,
    op.localGet(VG), op.localGet(VC1), op.f32x4Mul, op.f32x4Add,
    op.localTee(VM), op.v128Store(),
    // v' = β₂v + c₂g²
    ...at(VO),
    ...at(V), op.v128Load(), op.localGet(VB2), op.f32x4Mul,
    op.localGet(VG), op.localGet(VG), op.f32x4Mul, op.localGet(VC2), op.f32x4Mul, op.f32x4Add,
    op.localTee(VV), op.v128Store(),
    // p' = p·keep − step·m' / (√(v'·inv) + ε)
    ...at(PO),
    ...at(P), op.v128Load(), op.localGet(VKEEP), op.f32x4Mul,
    op.localGet(VSTEP), op.localGet(VM), op.f32x4Mul,
    op.localGet(VV), op.localGet(VINV), op.f32x4Mul, op.f32x4Sqrt, op.localGet(VEPS), op.f32x4Add,
    op.f32x4Div, op.f32x4Sub,
    op.v128Store(),
  ];
}

function scalarStep(): number[][] {
  const one = (x: number) => [op.f32Const(1), op.localGet(x), op.f32Sub];
  return [
    ...at(G), op.f32Load(), op.localSet(SG),
    ...at(MO),
    ...at(M), op.f32Load(), op.localGet(B1), op.f32Mul,
    op.localGet(SG), ...one(B1), op.f32Mul, op.f32Add,
    op.localTee(SM), op.f32Store(),
    ...at(VO),
    ...at(V), op.f32Load(), op.localGet(B2), op.f32Mul,
    op.localGet(SG), op.localGet(SG), op.f32Mul, ...one(B2), op.f32Mul, op.f32Add,
    op.localTee(SV), op.f32Store(),
    ...at(PO),
    ...at(P), op.f32Load(), op.localGet(KEEP), op.f32Mul,
    op.localGet(STEP), op.localGet(SM), op.f32Mul,
    op.localGet(SV), op.localGet(INV_C2), op.f32Mul, op.f32Sqrt, op.localGet(EPS), op.f32Add,
    op.f32Div, op.f32Sub,
    op.f32Store(),
  ];
}

/** `for (; k < limit; k += stride) body` over the byte index K. */
function loopTo(limit: number, stride: number, body: number[][]): number[][] {
  return [
    op.block, op.loop,
    op.localGet(K), op.localGet(limit), op.i32GeU, op.brIf(1),
    ...body,
    op.localGet(K), op.i32Const(stride), op.i32Add, op.localSet(K),
    op.br(0),
    op.end, op.end,
  ];
}

const splat = (from: number, to: number) => [op.localGet(from), op.f32x4Splat, op.localSet(to)];
const splatOneMinus = (from: number, to: number) => [op.f32Const(1), op.localGet(from), op.f32Sub, op.f32x4Splat, op.localSet(to)];

/** The `adamw` function of the SIMD kernel module. */
export const adamwFunction: FunctionSpec = {
  name: 'adamw',
  params: [I32, I32, I32, I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32],
  locals: [I32, I32, I32, V128, V128, V128, V128, V128, V128, V128, V128, V128, V128, V128, F32, F32, F32],
  body: [
    // END = 4n bytes; END4 = END rounded down to 16 bytes
    op.localGet(N), op.i32Const(2), op.i32Shl, op.localTee(END),
    op.i32Const(-16), op.i32And, op.localSet(END4),
    ...splat(KEEP, VKEEP), ...splat(STEP, VSTEP), ...splat(B1, VB1), ...splatOneMinus(B1, VC1),
    ...splat(B2, VB2), ...splatOneMinus(B2, VC2), ...splat(INV_C2, VINV), ...splat(EPS, VEPS),
    op.i32Const(0), op.localSet(K),
    ...loopTo(END4, 16, vectorStep()),
    ...loopTo(END, 4, scalarStep()),
  ],
};
