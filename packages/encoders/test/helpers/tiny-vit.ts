// A tiny but complete ViT (HF's ViTModel) written twice from the same seeded weights: as the files
// a PyTorch checkpoint has (config.json, model.safetensors with HF's tensor names and layouts,
// optionally with the `vit.` prefix of ViTFor… checkpoints and without the pooler) and as an ONNX
// graph of HF's ViTModel computation (patch Conv with kernel = stride = patch size, CLS token,
// position embeddings, pre-LN layers with exact GELU through Erf, the final LayerNorm, the tanh
// pooler) for transformers.js, plus preprocessor_config.json (ViTImageProcessor). The graph also
// outputs every hidden state (`hidden_state_0` = the embeddings' output … `hidden_state_L`, before
// the final LayerNorm), as HF's `output_hidden_states` would. (test/helpers/tiny-models.ts's
// writeTinyVitModel is a ViT-shaped stand-in, Conv + tanh, not this.)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { type SafetensorsTensor, writeSafetensors } from '../../src/safetensors.js';

const { onnx } = onnxProto;
type INode = InstanceType<typeof onnx.NodeProto>;
type ITensor = InstanceType<typeof onnx.TensorProto>;
const F = onnx.TensorProto.DataType.FLOAT;
const I64 = onnx.TensorProto.DataType.INT64;

/** Shape of a tiny ViT. */
export interface TinyVitSpec {
  hidden: number;
  heads: number;
  intermediate: number;
  layers: number;
  imageSize: number;
  patchSize: number;
  layerNormEps: number;
  seed: number;
  /** Name the checkpoint's tensors `vit.…` (ViTForImageClassification) instead of bare (ViTModel). */
  prefixed?: boolean;
  /** Leave the pooler out of model.safetensors (ViTForImageClassification has none); the ONNX graph still has one. */
  omitPoolerFromCheckpoint?: boolean;
}

type Weight = { shape: number[]; data: Float32Array };

/** mulberry32 (never Math.random). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Tokens of the tiny ViT: CLS + (imageSize / patchSize)² patches. */
export function tinyVitTokens(spec: TinyVitSpec): number {
  return 1 + (spec.imageSize / spec.patchSize) ** 2;
}

/** The checkpoint: every tensor of HF's ViTModel, bare names (`embeddings.cls_token`, `encoder.layer.0.…`). */
export function tinyVitWeights(spec: TinyVitSpec): Map<string, Weight> {
  const r = rng(spec.seed);
  const h = spec.hidden;
  const p = spec.patchSize;
  const out = new Map<string, Weight>();
  const put = (name: string, shape: number[], scale: number, mean = 0) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = mean + (r() * 2 - 1) * scale;
    out.set(name, { shape, data });
  };
  put('embeddings.cls_token', [1, 1, h], 1);
  put('embeddings.position_embeddings', [1, tinyVitTokens(spec), h], 0.5);
  put('embeddings.patch_embeddings.projection.weight', [h, 3, p, p], 1.5 / Math.sqrt(3 * p * p));
  put('embeddings.patch_embeddings.projection.bias', [h], 0.1);
  for (let i = 0; i < spec.layers; i++) {
    const l = `encoder.layer.${i}`;
    const linear = (name: string, o: number, inp: number) => {
      put(`${l}.${name}.weight`, [o, inp], 1.5 / Math.sqrt(inp));
      put(`${l}.${name}.bias`, [o], 0.1);
    };
    put(`${l}.layernorm_before.weight`, [h], 0.2, 1);
    put(`${l}.layernorm_before.bias`, [h], 0.1);
    linear('attention.attention.query', h, h);
    linear('attention.attention.key', h, h);
    linear('attention.attention.value', h, h);
    linear('attention.output.dense', h, h);
    put(`${l}.layernorm_after.weight`, [h], 0.2, 1);
    put(`${l}.layernorm_after.bias`, [h], 0.1);
    linear('intermediate.dense', spec.intermediate, h);
    linear('output.dense', h, spec.intermediate);
  }
  put('layernorm.weight', [h], 0.2, 1);
  put('layernorm.bias', [h], 0.1);
  put('pooler.dense.weight', [h, h], 1.5 / Math.sqrt(h));
  put('pooler.dense.bias', [h], 0.1);
  return out;
}

class Graph {
  readonly nodes: INode[] = [];
  readonly inits: ITensor[] = [];
  private count = 0;

  op(type: string, inputs: string[], attrs: Record<string, number | number[]> = {}, output?: string): string {
    const out = output ?? `${type.toLowerCase()}_${this.count++}`;
    const attribute = Object.entries(attrs).map(([name, v]) =>
      Array.isArray(v)
        ? onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: v })
        : onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: v }),
    );
    this.nodes.push(onnx.NodeProto.create({ opType: type, input: inputs, output: [out], name: `n_${out}`, attribute }));
    return out;
  }

  floats(dims: number[], data: Float32Array): string {
    const name = `c_${this.count++}`;
    this.inits.push(onnx.TensorProto.create({ name, dims, dataType: F, rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) }));
    return name;
  }

  scalarF(v: number): string {
    return this.floats([], new Float32Array([v]));
  }

  ints(dims: number[], values: number[]): string {
    const data = new BigInt64Array(values.map((v) => BigInt(v)));
    const name = `i_${this.count++}`;
    this.inits.push(onnx.TensorProto.create({ name, dims, dataType: I64, rawData: new Uint8Array(data.buffer) }));
    return name;
  }
}

/** `W` `[out, in]` → the `[in, out]` right operand of a MatMul. */
function transposed(w: Weight): Float32Array {
  const [o, i] = w.shape as [number, number];
  const t = new Float32Array(o * i);
  for (let r = 0; r < o; r++) for (let c = 0; c < i; c++) t[c * o + r] = w.data[r * i + c]!;
  return t;
}

function layerNorm(g: Graph, x: string, weight: Float32Array, bias: Float32Array, eps: number): string {
  const mean = g.op('ReduceMean', [x], { axes: [-1], keepdims: 1 });
  const centred = g.op('Sub', [x, mean]);
  const variance = g.op('ReduceMean', [g.op('Mul', [centred, centred])], { axes: [-1], keepdims: 1 });
  const normed = g.op('Div', [centred, g.op('Sqrt', [g.op('Add', [variance, g.scalarF(eps)])])]);
  return g.op('Add', [g.op('Mul', [normed, g.floats([weight.length], weight)]), g.floats([bias.length], bias)]);
}

function vitGraph(spec: TinyVitSpec, weights: Map<string, Weight>): Uint8Array {
  const g = new Graph();
  const w = (name: string) => weights.get(name)!;
  const h = spec.hidden;
  const d = h / spec.heads;
  const tokens = tinyVitTokens(spec);
  const dense = (x: string, name: string) => {
    const wt = w(`${name}.weight`);
    return g.op('Add', [g.op('MatMul', [x, g.floats([wt.shape[1]!, wt.shape[0]!], transposed(wt))]), g.floats([wt.shape[0]!], w(`${name}.bias`).data)]);
  };
  const ln = (x: string, name: string) => layerNorm(g, x, w(`${name}.weight`).data, w(`${name}.bias`).data, spec.layerNormEps);

  // embeddings: conv → [B, H, P] → [B, P, H]; the CLS row built as 0·(first patch) + cls (batch-sized without a Shape op)
  const kernel = w('embeddings.patch_embeddings.projection.weight');
  const conv = g.op('Conv', ['pixel_values', g.floats(kernel.shape, kernel.data), g.floats([h], w('embeddings.patch_embeddings.projection.bias').data)], {
    kernel_shape: [spec.patchSize, spec.patchSize],
    strides: [spec.patchSize, spec.patchSize],
  });
  const patches = g.op('Transpose', [g.op('Reshape', [conv, g.ints([3], [0, h, -1])])], { perm: [0, 2, 1] });
  const first = g.op('Slice', [patches, g.ints([1], [0]), g.ints([1], [1]), g.ints([1], [1])]);
  const cls = g.op('Add', [g.op('Mul', [first, g.scalarF(0)]), g.floats([1, 1, h], w('embeddings.cls_token').data)]);
  let x = g.op('Add', [g.op('Concat', [cls, patches], { axis: 1 }), g.floats([1, tokens, h], w('embeddings.position_embeddings').data)]);
  const states = [g.op('Identity', [x], {}, 'hidden_state_0')];

  const headShape = g.ints([4], [0, 0, spec.heads, d]);
  const mergedShape = g.ints([3], [0, 0, h]);
  for (let i = 0; i < spec.layers; i++) {
    const l = `encoder.layer.${i}`;
    const split = (t: string, perm: number[]) => g.op('Transpose', [g.op('Reshape', [t, headShape])], { perm });
    const a = ln(x, `${l}.layernorm_before`);
    const q = split(dense(a, `${l}.attention.attention.query`), [0, 2, 1, 3]);
    const k = split(dense(a, `${l}.attention.attention.key`), [0, 2, 3, 1]);
    const v = split(dense(a, `${l}.attention.attention.value`), [0, 2, 1, 3]);
    const scores = g.op('Div', [g.op('MatMul', [q, k]), g.scalarF(Math.sqrt(d))]);
    const context = g.op('Reshape', [g.op('Transpose', [g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), v])], { perm: [0, 2, 1, 3] }), mergedShape]);
    const hAttn = g.op('Add', [dense(context, `${l}.attention.output.dense`), x]);
    const pre = dense(ln(hAttn, `${l}.layernorm_after`), `${l}.intermediate.dense`);
    const gelu = g.op('Mul', [g.op('Mul', [pre, g.scalarF(0.5)]), g.op('Add', [g.op('Erf', [g.op('Div', [pre, g.scalarF(Math.SQRT2)])]), g.scalarF(1)])]);
    x = g.op('Add', [dense(gelu, `${l}.output.dense`), hAttn]);
    states.push(g.op('Identity', [x], {}, `hidden_state_${i + 1}`));
  }
  const last = g.op('Identity', [ln(x, 'layernorm')], {}, 'last_hidden_state');
  g.op('Tanh', [dense(g.op('Gather', [last, g.ints([], [0])], { axis: 1 }), 'pooler.dense')], {}, 'pooler_output');

  const info = (name: string, dims: Array<number | string>) =>
    onnx.ValueInfoProto.create({
      name,
      type: onnx.TypeProto.create({ tensorType: onnx.TypeProto.Tensor.create({ elemType: F, shape: onnx.TensorShapeProto.create({ dim: dims.map((v) => (typeof v === 'number' ? { dimValue: v } : { dimParam: v })) }) }) }),
    });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'mmaux-tiny-vit',
    opsetImport: [{ domain: '', version: 13 }],
    graph: onnx.GraphProto.create({
      name: 'tiny-vit',
      node: g.nodes,
      initializer: g.inits,
      input: [info('pixel_values', ['batch_size', 3, spec.imageSize, spec.imageSize])],
      output: [info('last_hidden_state', ['batch_size', tokens, h]), info('pooler_output', ['batch_size', h]), ...states.map((s) => info(s, ['batch_size', tokens, h]))],
    }),
  });
  return onnx.ModelProto.encode(model).finish();
}

const json = (file: string, value: unknown) => writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);

/** HF's config.json of the tiny ViT. */
export function tinyVitConfig(spec: TinyVitSpec): Record<string, unknown> {
  return {
    model_type: 'vit',
    architectures: [spec.prefixed ? 'ViTForImageClassification' : 'ViTModel'],
    hidden_size: spec.hidden,
    num_attention_heads: spec.heads,
    intermediate_size: spec.intermediate,
    num_hidden_layers: spec.layers,
    hidden_act: 'gelu',
    hidden_dropout_prob: 0,
    attention_probs_dropout_prob: 0,
    initializer_range: 0.02,
    layer_norm_eps: spec.layerNormEps,
    image_size: spec.imageSize,
    patch_size: spec.patchSize,
    num_channels: 3,
    qkv_bias: true,
  };
}

/**
 * Writes the model folder: config.json, preprocessor_config.json (resize to imageSize, rescale
 * 1/255, normalise with mean = std = 0.5, as google/vit), model.safetensors (float32) and
 * onnx/model.onnx, all from the seeded {@link tinyVitWeights}. Returns the folder.
 */
export async function writeTinyVit(dir: string, spec: TinyVitSpec): Promise<string> {
  const weights = tinyVitWeights(spec);
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  json(join(dir, 'config.json'), tinyVitConfig(spec));
  json(join(dir, 'preprocessor_config.json'), {
    image_processor_type: 'ViTImageProcessor',
    do_resize: true,
    size: { height: spec.imageSize, width: spec.imageSize },
    resample: 2,
    do_rescale: true,
    rescale_factor: 1 / 255,
    do_normalize: true,
    image_mean: [0.5, 0.5, 0.5],
    image_std: [0.5, 0.5, 0.5],
  });
  writeFileSync(join(dir, 'onnx', 'model.onnx'), vitGraph(spec, weights));
  const prefix = spec.prefixed ? 'vit.' : '';
  const tensors: SafetensorsTensor[] = [...weights]
    .filter(([name]) => !(spec.omitPoolerFromCheckpoint && name.startsWith('pooler.')))
    .map(([name, t]) => ({ name: prefix + name, dtype: 'F32', shape: t.shape, data: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength) }));
  await writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt' });
  return dir;
}
