// A GraphDef written by hand in the JSON form tensorflowjs_converter emits (graph-model
// format): nodes with ops and attrs, constants' values in the weights manifest.
import type { io } from '@tensorflow/tfjs-core';
import type { ModelFiles } from './tfjs-model-files.js';

type Attr = Record<string, unknown>;

interface NodeDef {
  name: string;
  op: string;
  input?: string[];
  attr?: Attr;
}

const DT = { float32: 'DT_FLOAT', int32: 'DT_INT32', string: 'DT_STRING' } as const;
const dims = (shape: readonly number[]) => ({ dim: shape.map((s) => ({ size: String(s) })) });
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/** Builds a graph and its weights; `files()` gives what {@link writeModelFiles} writes. */
export class GraphDefBuilder {
  readonly nodes: NodeDef[] = [];
  private readonly specs: io.WeightsManifestEntry[] = [];
  private readonly chunks: Uint8Array[] = [];
  private readonly inputs: Array<{ name: string; dtype: keyof typeof DT; shape: number[] }> = [];

  placeholder(name: string, dtype: keyof typeof DT, shape: number[]): string {
    this.nodes.push({ name, op: 'Placeholder', attr: { dtype: { type: DT[dtype] }, shape: { shape: dims(shape) } } });
    this.inputs.push({ name, dtype, shape });
    return name;
  }

  constFloat(name: string, shape: number[], values: Float32Array): string {
    return this.constant(name, 'float32', shape, new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength)));
  }

  constInt(name: string, shape: number[], values: number[]): string {
    return this.constant(name, 'int32', shape, new Uint8Array(new Int32Array(values).buffer));
  }

  /** String constants are stored as (uint32 little-endian length, UTF-8 bytes) per element. */
  constString(name: string, shape: number[], values: string[]): string {
    const parts = values.map((v) => Buffer.from(v, 'utf8'));
    const out = new Uint8Array(parts.reduce((s, p) => s + 4 + p.length, 0));
    let at = 0;
    for (const p of parts) {
      new DataView(out.buffer).setUint32(at, p.length, true);
      out.set(p, at + 4);
      at += 4 + p.length;
    }
    return this.constant(name, 'string', shape, out);
  }

  private constant(name: string, dtype: keyof typeof DT, shape: number[], bytes: Uint8Array): string {
    this.nodes.push({ name, op: 'Const', attr: { dtype: { type: DT[dtype] }, value: { tensor: { dtype: DT[dtype], tensorShape: dims(shape) } } } });
    this.specs.push({ name, shape, dtype });
    this.chunks.push(bytes);
    return name;
  }

  op(name: string, op: string, input: string[], attr: Attr = {}): string {
    this.nodes.push({ name, op, input, attr });
    return name;
  }

  conv2d(name: string, x: string, w: string, padding: 'SAME' | 'VALID' = 'SAME', stride = 1): string {
    return this.op(name, 'Conv2D', [x, w], {
      T: { type: 'DT_FLOAT' },
      strides: { list: { i: ['1', String(stride), String(stride), '1'] } },
      padding: { s: b64(padding) },
      data_format: { s: b64('NHWC') },
      dilations: { list: { i: ['1', '1', '1', '1'] } },
    });
  }

  float(name: string, op: string, input: string[]): string {
    return this.op(name, op, input, { T: { type: 'DT_FLOAT' } });
  }

  mean(name: string, x: string, axes: string, keepDims = false): string {
    return this.op(name, 'Mean', [x, axes], { T: { type: 'DT_FLOAT' }, Tidx: { type: 'DT_INT32' }, keep_dims: { b: keepDims } });
  }

  matmul(name: string, a: string, b: string): string {
    return this.op(name, 'MatMul', [a, b], { T: { type: 'DT_FLOAT' }, transpose_a: { b: false }, transpose_b: { b: false } });
  }

  /** model.json content (format graph-model) with a signature naming the inputs and `outputs`. */
  files(outputs: string[]): ModelFiles {
    const total = this.chunks.reduce((s, c) => s + c.byteLength, 0);
    const weightData = new Uint8Array(total);
    let at = 0;
    for (const c of this.chunks) {
      weightData.set(c, at);
      at += c.byteLength;
    }
    const tensorInfo = (name: string, dtype: string, shape?: number[]) => ({ name: `${name}:0`, dtype, ...(shape ? { tensorShape: dims(shape) } : {}) });
    return {
      format: 'graph-model',
      modelTopology: { node: this.nodes, library: {}, versions: { producer: 1 } },
      weightSpecs: this.specs,
      weightData,
      signature: {
        inputs: Object.fromEntries(this.inputs.map((i) => [i.name, tensorInfo(i.name, DT[i.dtype], i.shape)])),
        outputs: Object.fromEntries(outputs.map((o) => [o, tensorInfo(o, 'DT_FLOAT')])),
      },
    };
  }
}
