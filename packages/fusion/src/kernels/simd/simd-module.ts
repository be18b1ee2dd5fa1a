import { adamwFunction } from './adamw-simd.js';
import { headDotsFunction, headMixFunction } from './attention-simd.js';
import { columnSumsFunction } from './column-sums-simd.js';
import { layerNormFunction, layerNormGradFunction } from './layer-norm-simd.js';
import { matmulFunction } from './matmul-simd.js';
import { rowDotsFunction, weightedRowsFunction } from './rows-simd.js';
import { transpose4x4Function, transposeFunction } from './transpose-simd.js';
import { encodeModule } from './wasm-binary.js';
import { type WasmMemory, webAssembly } from './webassembly.js';

/** The SIMD kernels, bound to one wasm memory; pointers are byte offsets into it. */
export interface SimdKernels {
  adamw(p: number, g: number, m: number, v: number, pOut: number, mOut: number, vOut: number, n: number, keep: number, stepSize: number, beta1: number, beta2: number, invCorrection2: number, epsilon: number): void;
  rowDots(r: number, v: number, out: number, nr: number, nv: number, p: number, d: number, scale: number): void;
  weightedRows(w: number, v: number, out: number, nr: number, nv: number, p: number, d: number): void;
  transpose(src: number, dst: number, rows: number, cols: number): void;
  transpose4x4(src: number, dst: number, rows: number, cols: number): void;
  matmul(a: number, b: number, bias: number, c: number, m: number, k: number, n: number): void;
  headDots(x: number, y: number, bias: number, out: number, rows: number, heads: number, sx: number, sy: number, d: number, xStride: number, xOffset: number, yStride: number, yOffset: number, scale: number): void;
  columnSums(x: number, out: number, m: number, n: number): void;
  layerNorm(x: number, gamma: number, beta: number, y: number, xhat: number, inv: number, rows: number, w: number, eps: number): void;
  layerNormGrad(dy: number, xhat: number, inv: number, gamma: number, dx: number, dgamma: number, dbeta: number, rows: number, w: number): void;
  headMix(w: number, y: number, out: number, rows: number, heads: number, a: number, b: number, d: number, yStride: number, yOffset: number, outStride: number, outOffset: number, transposed: number): void;
}

const byMemory = new WeakMap<WasmMemory, SimdKernels | null>();
let lastError: string | null = null;

/** Why the kernels last failed to compile, or `null`. */
export function simdCompileError(): string | null {
  return lastError;
}

/**
 * The kernels instantiated on `memory` (the tfjs wasm backend's heap), compiled once per
 * memory; `null` where this runtime cannot compile them (no WebAssembly SIMD).
 */
export function simdKernelsFor(memory: WasmMemory): SimdKernels | null {
  let kernels = byMemory.get(memory);
  if (kernels !== undefined) return kernels;
  const api = webAssembly();
  try {
    if (api === undefined) throw new Error('no WebAssembly');
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const module = new api.Module(encodeModule([adamwFunction, rowDotsFunction, weightedRowsFunction, transposeFunction, matmulFunction, headDotsFunction, headMixFunction, columnSumsFunction, transpose4x4Function, layerNormFunction, layerNormGradFunction], shared));
    kernels = new api.Instance(module, { env: { memory } }).exports as unknown as SimdKernels;
  } catch (err) {
    // Every caller falls back to tfjs ops (same results, slower); the reason stays readable.
    lastError = (err as Error).message;
    kernels = null;
  }
  byMemory.set(memory, kernels);
  return kernels;
}
