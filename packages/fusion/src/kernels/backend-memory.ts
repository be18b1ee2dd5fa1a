import * as tf from '@tensorflow/tfjs';
import { type SimdKernels, simdKernelsFor } from './simd/simd-module.js';
import { isWasmMemory } from './simd/webassembly.js';

// Direct access to the float32 storage of the two backends whose memory lives in this process
// (wasm: the module's heap; cpu: typed arrays). Fused kernels read their inputs and write their
// outputs here in one pass, instead of chaining one tfjs kernel (one pass over memory) per step
// of a formula. Other backends (webgl, native TensorFlow) have no such view: callers fall back
// to tfjs ops there.

/** What the fused kernels need of a backend: read an input, allocate and write an output. */
export interface HostMemory {
  /** The backend's name (`'wasm'` or `'cpu'`). */
  readonly name: 'wasm' | 'cpu';
  /** Allocates float32 outputs; returns their infos (views are taken afterwards: allocation may move wasm's heap). */
  allocate(shapes: readonly number[][]): tf.TensorInfo[];
  /** A float32 view of a tensor's (or an output's) storage; valid until the next allocation. */
  view(info: tf.TensorInfo): Float32Array;
  /** wasm only: the SIMD kernels on the backend's heap and a tensor's byte offset in it. */
  readonly simd: { kernels: SimdKernels; pointer(info: tf.TensorInfo): number } | null;
}

interface WasmBackendLike {
  wasm: { HEAPF32: Float32Array; asm?: { memory?: unknown }; wasmMemory?: unknown };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

interface CpuBackendLike {
  data: { get(dataId: object): { values?: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function wasmMemory(backend: WasmBackendLike): HostMemory {
  const pointer = (info: tf.TensorInfo): number => {
    const entry = backend.dataIdMap.get(info.dataId);
    if (entry === undefined) throw new Error(`wasm backend: tensor data ${String(info.dataId)} is not registered`);
    return entry.memoryOffset;
  };
  const memory = backend.wasm.asm?.memory ?? backend.wasm.wasmMemory;
  const kernels = isWasmMemory(memory) ? simdKernelsFor(memory) : null;
  return {
    name: 'wasm',
    allocate: (shapes) => shapes.map((s) => backend.makeOutput([...s], 'float32')),
    view: (info) => {
      const start = pointer(info) / 4;
      return backend.wasm.HEAPF32.subarray(start, start + size(info.shape));
    },
    simd: kernels === null ? null : { kernels, pointer },
  };
}

function cpuMemory(backend: CpuBackendLike): HostMemory {
  return {
    name: 'cpu',
    allocate: (shapes) => shapes.map((s) => backend.makeTensorInfo([...s], 'float32', new Float32Array(size(s)))),
    view: (info) => {
      const values = backend.data.get(info.dataId)?.values;
      if (!(values instanceof Float32Array)) throw new Error('cpu backend: expected float32 tensor storage');
      return values;
    },
    simd: null,
  };
}

/**
 * The host memory of tfjs's `wasm` or `cpu` backend object (checked by shape, not by class, so
 * that two copies of a backend package both work); `null` for any other backend.
 */
export function hostMemory(backend: tf.KernelBackend, backendName: string): HostMemory | null {
  const b = backend as unknown as Partial<WasmBackendLike & CpuBackendLike>;
  if (backendName === 'wasm' && b.wasm?.HEAPF32 instanceof Float32Array && typeof b.makeOutput === 'function' && b.dataIdMap) {
    return wasmMemory(b as WasmBackendLike);
  }
  if (backendName === 'cpu' && typeof b.makeTensorInfo === 'function' && typeof b.data?.get === 'function') return cpuMemory(b as CpuBackendLike);
  return null;
}

/** A kernel computed in this process on a backend's {@link HostMemory}; several outputs come back from `runKernel` as a list. */
export type HostKernel = (memory: HostMemory, inputs: Record<string, tf.TensorInfo>, attrs: Record<string, unknown>) => tf.TensorInfo[];

/** Registers `kernel` as `kernelName` on `backends` (default wasm and cpu), once per process. */
export function registerHostKernel(kernelName: string, kernel: HostKernel, backends: ReadonlyArray<'wasm' | 'cpu'> = ['wasm', 'cpu']): void {
  for (const backendName of backends) {
    if (tf.getKernel(kernelName, backendName) !== undefined) continue;
    tf.registerKernel({
      kernelName,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const memory = hostMemory(backend as tf.KernelBackend, backendName);
        if (memory === null) throw new Error(`${kernelName}: the ${backendName} backend exposes no host memory`);
        const outputs = kernel(memory, inputs as Record<string, tf.TensorInfo>, attrs as Record<string, unknown>);
        // One output is returned bare: runKernel then gives a tensor, not a list.
        return outputs.length === 1 ? outputs[0]! : outputs;
      },
    });
  }
}

/** Whether the active backend can run host kernels (it is wasm or cpu and exposes its memory). */
export function activeBackendHasHostMemory(): boolean {
  const name = tf.getBackend();
  return (name === 'wasm' || name === 'cpu') && hostMemory(tf.backend(), name) !== null;
}

/** Whether the active backend is wasm with the SIMD kernels compiled onto its heap. */
export function activeBackendHasSimd(): boolean {
  return tf.getBackend() === 'wasm' && hostMemory(tf.backend(), 'wasm')?.simd != null;
}
