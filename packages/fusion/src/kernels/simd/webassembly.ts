// The few WebAssembly JS-API members the kernels use (the project's TypeScript lib is ES2022
// without DOM, which declares no WebAssembly values).

/** A WebAssembly linear memory. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}

interface WebAssemblyApi {
  Memory: abstract new (...args: never[]) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
}

/** The runtime's WebAssembly object, or `undefined` where there is none. */
export function webAssembly(): WebAssemblyApi | undefined {
  return (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
}

/** Whether `x` is a `WebAssembly.Memory`. */
export function isWasmMemory(x: unknown): x is WasmMemory {
  const api = webAssembly();
  return api !== undefined && x instanceof api.Memory;
}
