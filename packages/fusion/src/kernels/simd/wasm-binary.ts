// A minimal WebAssembly binary writer: enough to emit small SIMD kernels that import the tfjs
// wasm backend's memory and work on tensors where they lie. Only what the kernels use is here
// (numeric types, one imported memory, exported functions, structured control flow).

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
export type ValueType = typeof I32 | typeof F32 | typeof V128;

/** Unsigned LEB128. */
export function u32(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 (32-bit). */
export function s32(n: number): number[] {
  const out: number[] = [];
  let v = n | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function f32Bytes(x: number): number[] {
  return [...new Uint8Array(new Float32Array([x]).buffer)];
}

function vec(items: number[][]): number[] {
  return [...u32(items.length), ...items.flat()];
}

function section(id: number, body: number[]): number[] {
  return [id, ...u32(body.length), ...body];
}

const SIMD = 0xfd;
const simd = (op: number, ...imm: number[]) => [SIMD, ...u32(op), ...imm];
/** memarg: alignment as log2 bytes, offset in bytes. */
const memarg = (alignLog2: number, offset: number) => [...u32(alignLog2), ...u32(offset)];

/** Instructions, as byte arrays to concatenate. */
export const op = {
  localGet: (i: number) => [0x20, ...u32(i)],
  localSet: (i: number) => [0x21, ...u32(i)],
  localTee: (i: number) => [0x22, ...u32(i)],
  i32Const: (n: number) => [0x41, ...s32(n)],
  f32Const: (x: number) => [0x43, ...f32Bytes(x)],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32Shl: [0x74],
  i32And: [0x71],
  i32LtU: [0x49],
  i32DivU: [0x6e],
  i32RemU: [0x70],
  i32GeU: [0x4f],
  i32GtU: [0x4b],
  i32Eqz: [0x45],
  f32Load: (offset = 0) => [0x2a, ...memarg(2, offset)],
  f32Store: (offset = 0) => [0x38, ...memarg(2, offset)],
  f32Add: [0x92],
  f32Sub: [0x93],
  f32Mul: [0x94],
  f32Div: [0x95],
  f32Sqrt: [0x91],
  f32Max: [0x97],
  f32ConvertI32U: [0xb3],
  select: [0x1b],
  v128Load: (offset = 0) => simd(0x00, ...memarg(4, offset)),
  v128Store: (offset = 0) => simd(0x0b, ...memarg(4, offset)),
  f32x4Splat: simd(0x13),
  /** `i8x16.shuffle` of two vectors by 16 byte-lane indices (0–31). */
  shuffle: (lanes: readonly number[]) => simd(0x0d, ...lanes),
  f32x4ExtractLane: (lane: number) => simd(0x1f, lane),
  f32x4Sqrt: simd(0xe3),
  f32x4Add: simd(0xe4),
  f32x4Sub: simd(0xe5),
  f32x4Mul: simd(0xe6),
  f32x4Div: simd(0xe7),
  f32x4Max: simd(0xe9),
  /** `block` with no result. */
  block: [0x02, 0x40],
  /** `loop` with no result. */
  loop: [0x03, 0x40],
  brIf: (depth: number) => [0x0d, ...u32(depth)],
  br: (depth: number) => [0x0c, ...u32(depth)],
  end: [0x0b],
};

/** One exported function: parameter and local types, and its body (without the final `end`). */
export interface FunctionSpec {
  name: string;
  params: ValueType[];
  locals: ValueType[];
  body: number[][];
}

/**
 * A module that imports `env.memory` (shared when `sharedMemory`, as the threaded tfjs build's
 * is) and exports `functions`, none of which returns a value.
 */
export function encodeModule(functions: readonly FunctionSpec[], sharedMemory: boolean): Uint8Array {
  const types = functions.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...u32(0)]);
  const name = (s: string) => vec([...new TextEncoder().encode(s)].map((b) => [b]));
  // Memory import limits: min 1 page, no maximum; a shared memory needs one (the 4 GiB limit).
  const limits = sharedMemory ? [0x03, ...u32(1), ...u32(65536)] : [0x00, ...u32(1)];
  const memoryImport = [...name('env'), ...name('memory'), 0x02, ...limits];
  const exports = functions.map((f, i) => [...name(f.name), 0x00, ...u32(i)]);
  const bodies = functions.map((f) => {
    const locals = f.locals.length === 0 ? u32(0) : vec(f.locals.map((t) => [...u32(1), t]));
    const code = [...locals, ...f.body.flat(), ...op.end];
    return [...u32(code.length), ...code];
  });
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec([memoryImport])),
    ...section(3, vec(functions.map((_, i) => u32(i)))),
    ...section(7, vec(exports)),
    ...section(10, vec(bodies)),
  ]);
}

/**
 * Names for a function's parameters and locals: `idx.x` is the local index of `x`. Parameters
 * come first, in order, then locals.
 */
export function locals<P extends string, L extends string>(
  params: ReadonlyArray<readonly [P, ValueType]>,
  extra: ReadonlyArray<readonly [L, ValueType]>,
): { idx: Record<P | L, number>; params: ValueType[]; locals: ValueType[] } {
  const idx = {} as Record<P | L, number>;
  [...params, ...extra].forEach(([name], i) => {
    idx[name] = i;
  });
  return { idx, params: params.map(([, t]) => t), locals: extra.map(([, t]) => t) };
}

/** `for (i = from; i < to; i += step) body` with `from`, `to` and `step` as instruction lists. */
export function forLoop(i: number, from: number[][], to: number[][], step: number[][], body: number[][]): number[][] {
  return [
    ...from, op.localSet(i),
    op.block, op.loop,
    op.localGet(i), ...to, op.i32GeU, op.brIf(1),
    ...body,
    op.localGet(i), ...step, op.i32Add, op.localSet(i),
    op.br(0),
    op.end, op.end,
  ];
}
