import * as tf from '@tensorflow/tfjs-core';

// Kernels computed in JavaScript on the storage of the two backends whose memory lives in this
// process: the wasm backend's heap and the cpu backend's typed arrays. A row loss that tfjs ops
// spell as ~70 kernels on tiny tensors becomes one pass here (in float64). Elsewhere (webgl,
// native TensorFlow) callers use tfjs ops.

/** Reads an input's and writes an output's float32 storage. */
export interface HostArrays {
  /** Allocates float32 outputs (take views after all allocations: wasm's heap may move). */
  allocate(shapes: readonly number[][]): tf.TensorInfo[];
  view(info: tf.TensorInfo): Float32Array;
}

interface WasmLike {
  wasm: { HEAPF32: Float32Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

interface CpuLike {
  data: { get(dataId: object): { values?: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function arraysOf(backend: unknown, name: string): HostArrays | null {
  const b = backend as Partial<WasmLike & CpuLike>;
  if (name === 'wasm' && b.wasm?.HEAPF32 instanceof Float32Array && typeof b.makeOutput === 'function' && b.dataIdMap) {
    const w = b as WasmLike;
    return {
      allocate: (shapes) => shapes.map((s) => w.makeOutput([...s], 'float32')),
      view: (info) => {
        const start = w.dataIdMap.get(info.dataId)!.memoryOffset / 4;
        return w.wasm.HEAPF32.subarray(start, start + sizeOf(info.shape));
      },
    };
  }
  if (name === 'cpu' && typeof b.makeTensorInfo === 'function' && typeof b.data?.get === 'function') {
    const c = b as CpuLike;
    return {
      allocate: (shapes) => shapes.map((s) => c.makeTensorInfo([...s], 'float32', new Float32Array(sizeOf(s)))),
      view: (info) => c.data.get(info.dataId)!.values as Float32Array,
    };
  }
  return null;
}

let enabled = true;

/** @internal Turns the host kernels off (tests run the tfjs-ops form other backends use). */
export function setHostKernelsEnabled(on: boolean): void {
  enabled = on;
}

/** Whether the active backend is one whose memory host kernels can use. */
export function hostKernelsAvailable(): boolean {
  const name = tf.getBackend();
  return enabled && (name === 'wasm' || name === 'cpu') && arraysOf(tf.backend(), name) !== null;
}

/** Registers `kernel` (float32 inputs by name → outputs) on the wasm and cpu backends, once. */
export function registerHostKernel(kernelName: string, kernel: (arrays: HostArrays, inputs: Record<string, tf.TensorInfo>) => tf.TensorInfo[]): void {
  for (const backendName of ['wasm', 'cpu']) {
    if (tf.getKernel(kernelName, backendName) !== undefined) continue;
    tf.registerKernel({
      kernelName,
      backendName,
      kernelFunc: ({ inputs, backend }) => {
        const arrays = arraysOf(backend, backendName);
        if (arrays === null) throw new Error(`${kernelName}: the ${backendName} backend exposes no host memory`);
        return kernel(arrays, inputs as Record<string, tf.TensorInfo>);
      },
    });
  }
}
