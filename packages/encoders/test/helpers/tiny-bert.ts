// A tiny but complete BERT / RoBERTa / XLM-R written twice from the same seeded weights: as the
// files a PyTorch checkpoint has (config.json, model.safetensors with HF's tensor names and
// layouts) and as an ONNX graph of HF's BertModel computation (embeddings with BERT or RoBERTa
// positions, attention with the (1 − mask)·finfo.min bias, post-LN, exact GELU through Erf, the
// tanh pooler) for transformers.js, plus a WordPiece tokenizer. The graph also outputs every
// hidden state (`hidden_state_0` = the embeddings' output … `hidden_state_L` = last_hidden_state),
// as HF's `output_hidden_states` would.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { type SafetensorsTensor, writeSafetensors } from '../../src/safetensors.js';

const { onnx } = onnxProto;
type INode = InstanceType<typeof onnx.NodeProto>;
type ITensor = InstanceType<typeof onnx.TensorProto>;
const F = onnx.TensorProto.DataType.FLOAT;
const I64 = onnx.TensorProto.DataType.INT64;
const FLOAT32_MIN = -3.4028234663852886e38; // torch.finfo(torch.float32).min

/** Shape of a tiny model. */
export interface TinyBertSpec {
  modelType: 'bert' | 'roberta' | 'xlm-roberta';
  hidden: number;
  heads: number;
  intermediate: number;
  layers: number;
  maxPositions: number;
  layerNormEps: number;
  seed: number;
  /** Leave the pooler out of model.safetensors (fill-mask RoBERTa / XLM-R checkpoints); the ONNX graph still has one. */
  omitPoolerFromCheckpoint?: boolean;
  /** Whole words appended to the vocabulary after the built-in ones (whose ids do not move). */
  extraWords?: readonly string[];
}

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

// ---------------------------------------------------------------------------------------------
// vocabularies and tokenizers

const WORDS = [
  'the', 'cat', 'dog', 'sat', 'on', 'mat', 'is', 'happy', 'sad', 'love', 'hate', 'this', 'that', 'new', 'day', 'good', 'bad',
  'photo', 'of', 'my', 'so', 'very', 'not', 'and', '!', '?', '.', ',', '@', '#',
  ...'abcdefghijklmnopqrstuvwxyz'.split(''),
  ...'abcdefghijklmnopqrstuvwxyz'.split('').map((c) => `##${c}`),
];

/** Specials first, in each architecture's order (BERT: [PAD] 0, [CLS] 2, [SEP] 3; RoBERTa: <s> 0, <pad> 1, </s> 2). */
export function vocabularyOf(modelType: TinyBertSpec['modelType'], extraWords: readonly string[] = []): { vocab: string[]; cls: string; sep: string; pad: string; unk: string } {
  if (modelType === 'bert') return { vocab: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...WORDS, ...extraWords], cls: '[CLS]', sep: '[SEP]', pad: '[PAD]', unk: '[UNK]' };
  return { vocab: ['<s>', '<pad>', '</s>', '<unk>', '<mask>', ...WORDS, ...extraWords], cls: '<s>', sep: '</s>', pad: '<pad>', unk: '<unk>' };
}

function tokenizerFiles(modelType: TinyBertSpec['modelType'], extraWords: readonly string[] = []) {
  const { vocab, cls, sep, pad, unk } = vocabularyOf(modelType, extraWords);
  const id = (t: string) => vocab.indexOf(t);
  const specials = vocab.slice(0, 5);
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((content) => ({ id: id(content), content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: cls, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: sep, type_id: 0 } }],
      pair: [
        { SpecialToken: { id: cls, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: sep, type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: sep, type_id: 1 } },
      ],
      special_tokens: {
        [cls]: { id: cls, ids: [id(cls)], tokens: [cls] },
        [sep]: { id: sep, ids: [id(sep)], tokens: [sep] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: unk, continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(vocab.map((t, i) => [t, i])) },
  };
  const config = {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    model_max_length: 512,
    cls_token: cls,
    sep_token: sep,
    pad_token: pad,
    unk_token: unk,
    mask_token: specials[4],
  };
  return { tokenizer, config };
}

// ---------------------------------------------------------------------------------------------
// weights (HF names, PyTorch layouts)

/** The checkpoint of a tiny model: every tensor of HF's BertModel / RobertaModel, prefixed `bert.` / `roberta.`. */
export function tinyBertWeights(spec: TinyBertSpec): Map<string, { shape: number[]; data: Float32Array }> {
  const r = rng(spec.seed);
  const { vocab } = vocabularyOf(spec.modelType, spec.extraWords);
  const h = spec.hidden;
  const types = spec.modelType === 'bert' ? 2 : 1;
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  const put = (name: string, shape: number[], scale: number, mean = 0) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = mean + (r() * 2 - 1) * scale;
    out.set(name, { shape, data });
  };
  put('embeddings.word_embeddings.weight', [vocab.length, h], 1);
  put('embeddings.position_embeddings.weight', [spec.maxPositions, h], 0.5);
  put('embeddings.token_type_embeddings.weight', [types, h], 0.5);
  put('embeddings.LayerNorm.weight', [h], 0.2, 1);
  put('embeddings.LayerNorm.bias', [h], 0.1);
  for (let i = 0; i < spec.layers; i++) {
    const p = `encoder.layer.${i}`;
    const linear = (name: string, o: number, inp: number) => {
      put(`${p}.${name}.weight`, [o, inp], 1.5 / Math.sqrt(inp));
      put(`${p}.${name}.bias`, [o], 0.1);
    };
    linear('attention.self.query', h, h);
    linear('attention.self.key', h, h);
    linear('attention.self.value', h, h);
    linear('attention.output.dense', h, h);
    put(`${p}.attention.output.LayerNorm.weight`, [h], 0.2, 1);
    put(`${p}.attention.output.LayerNorm.bias`, [h], 0.1);
    linear('intermediate.dense', spec.intermediate, h);
    linear('output.dense', h, spec.intermediate);
    put(`${p}.output.LayerNorm.weight`, [h], 0.2, 1);
    put(`${p}.output.LayerNorm.bias`, [h], 0.1);
  }
  put('pooler.dense.weight', [h, h], 1.5 / Math.sqrt(h));
  put('pooler.dense.bias', [h], 0.1);
  const prefix = spec.modelType === 'bert' ? 'bert.' : 'roberta.';
  return new Map([...out].map(([k, v]) => [prefix + k, v]));
}

// ---------------------------------------------------------------------------------------------
// the ONNX graph

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

  floats(dims: number[], data: Float32Array, name = `c_${this.count++}`): string {
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
function transposed(w: { shape: number[]; data: Float32Array }): Float32Array {
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

function bertGraph(spec: TinyBertSpec, weights: Map<string, { shape: number[]; data: Float32Array }>) {
  const g = new Graph();
  const prefix = spec.modelType === 'bert' ? 'bert.' : 'roberta.';
  const w = (name: string) => weights.get(prefix + name)!;
  const h = spec.hidden;
  const d = h / spec.heads;
  const { vocab } = vocabularyOf(spec.modelType);
  const pad = spec.modelType === 'bert' ? 0 : vocab.indexOf('<pad>');
  const dense = (x: string, name: string) => {
    const wt = w(`${name}.weight`);
    return g.op('Add', [g.op('MatMul', [x, g.floats([wt.shape[1]!, wt.shape[0]!], transposed(wt))]), g.floats([wt.shape[0]!], w(`${name}.bias`).data)]);
  };
  const table = (name: string) => g.floats(w(name).shape, w(name).data);

  // embeddings
  const words = g.op('Gather', [table('embeddings.word_embeddings.weight'), 'input_ids'], { axis: 0 });
  let positions: string;
  if (spec.modelType === 'bert') {
    const length = g.op('Gather', [g.op('Shape', ['input_ids']), g.ints([], [1])], { axis: 0 });
    positions = g.op('Range', [g.ints([], [0]), length, g.ints([], [1])]);
  } else {
    // create_position_ids_from_input_ids: cumsum(ids ≠ pad)·(ids ≠ pad) + pad
    const real = g.op('Cast', [g.op('Not', [g.op('Equal', ['input_ids', g.ints([], [pad])])])], { to: I64 });
    positions = g.op('Add', [g.op('Mul', [g.op('CumSum', [real, g.ints([], [1])]), real]), g.ints([], [pad])]);
  }
  const pos = g.op('Gather', [table('embeddings.position_embeddings.weight'), positions], { axis: 0 });
  const types = spec.modelType === 'bert'
    ? g.op('Gather', [table('embeddings.token_type_embeddings.weight'), 'token_type_ids'], { axis: 0 })
    : g.op('Gather', [table('embeddings.token_type_embeddings.weight'), g.ints([], [0])], { axis: 0 });
  let x = layerNorm(g, g.op('Add', [g.op('Add', [words, pos]), types]), w('embeddings.LayerNorm.weight').data, w('embeddings.LayerNorm.bias').data, spec.layerNormEps);
  const states = [g.op('Identity', [x], {}, 'hidden_state_0')];

  // (1 − mask)·finfo.min, [B, 1, 1, S]
  const maskF = g.op('Cast', ['attention_mask'], { to: F });
  const bias = g.op('Unsqueeze', [g.op('Mul', [g.op('Sub', [g.scalarF(1), maskF]), g.scalarF(FLOAT32_MIN)]), g.ints([2], [1, 2])]);
  const headShape = g.ints([4], [0, 0, spec.heads, d]);
  const mergedShape = g.ints([3], [0, 0, h]);
  for (let i = 0; i < spec.layers; i++) {
    const p = `encoder.layer.${i}`;
    const split = (t: string, perm: number[]) => g.op('Transpose', [g.op('Reshape', [t, headShape])], { perm });
    const q = split(dense(x, `${p}.attention.self.query`), [0, 2, 1, 3]);
    const k = split(dense(x, `${p}.attention.self.key`), [0, 2, 3, 1]);
    const v = split(dense(x, `${p}.attention.self.value`), [0, 2, 1, 3]);
    const scores = g.op('Add', [g.op('Div', [g.op('MatMul', [q, k]), g.scalarF(Math.sqrt(d))]), bias]);
    const context = g.op('Reshape', [g.op('Transpose', [g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), v])], { perm: [0, 2, 1, 3] }), mergedShape]);
    const attended = layerNorm(g, g.op('Add', [dense(context, `${p}.attention.output.dense`), x]), w(`${p}.attention.output.LayerNorm.weight`).data, w(`${p}.attention.output.LayerNorm.bias`).data, spec.layerNormEps);
    const pre = dense(attended, `${p}.intermediate.dense`);
    const gelu = g.op('Mul', [g.op('Mul', [pre, g.scalarF(0.5)]), g.op('Add', [g.op('Erf', [g.op('Div', [pre, g.scalarF(Math.SQRT2)])]), g.scalarF(1)])]);
    x = layerNorm(g, g.op('Add', [dense(gelu, `${p}.output.dense`), attended]), w(`${p}.output.LayerNorm.weight`).data, w(`${p}.output.LayerNorm.bias`).data, spec.layerNormEps);
    states.push(g.op('Identity', [x], {}, `hidden_state_${i + 1}`));
  }
  g.op('Identity', [x], {}, 'last_hidden_state');
  g.op('Tanh', [dense(g.op('Gather', [x, g.ints([], [0])], { axis: 1 }), 'pooler.dense')], {}, 'pooler_output');

  const info = (name: string, type: number, dims: Array<number | string>) =>
    onnx.ValueInfoProto.create({
      name,
      type: onnx.TypeProto.create({ tensorType: onnx.TypeProto.Tensor.create({ elemType: type, shape: onnx.TensorShapeProto.create({ dim: dims.map((v) => (typeof v === 'number' ? { dimValue: v } : { dimParam: v })) }) }) }),
    });
  const inputNames = spec.modelType === 'bert' ? ['input_ids', 'attention_mask', 'token_type_ids'] : ['input_ids', 'attention_mask'];
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'mmaux-tiny-bert',
    opsetImport: [{ domain: '', version: 13 }],
    graph: onnx.GraphProto.create({
      name: `tiny-${spec.modelType}`,
      node: g.nodes,
      initializer: g.inits,
      input: inputNames.map((n) => info(n, I64, ['batch_size', 'sequence_length'])),
      output: [
        info('last_hidden_state', F, ['batch_size', 'sequence_length', h]),
        info('pooler_output', F, ['batch_size', h]),
        ...states.map((s) => info(s, F, ['batch_size', 'sequence_length', h])),
      ],
    }),
  });
  return onnx.ModelProto.encode(model).finish();
}

// ---------------------------------------------------------------------------------------------

const json = (file: string, value: unknown) => writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);

/** HF's config.json of the tiny model. */
export function tinyBertConfig(spec: TinyBertSpec): Record<string, unknown> {
  const { vocab } = vocabularyOf(spec.modelType, spec.extraWords);
  const bert = spec.modelType === 'bert';
  return {
    model_type: spec.modelType,
    architectures: [bert ? 'BertModel' : spec.modelType === 'roberta' ? 'RobertaModel' : 'XLMRobertaModel'],
    hidden_size: spec.hidden,
    num_attention_heads: spec.heads,
    intermediate_size: spec.intermediate,
    num_hidden_layers: spec.layers,
    vocab_size: vocab.length,
    max_position_embeddings: spec.maxPositions,
    type_vocab_size: bert ? 2 : 1,
    layer_norm_eps: spec.layerNormEps,
    hidden_act: 'gelu',
    hidden_dropout_prob: 0.1,
    attention_probs_dropout_prob: 0.1,
    pad_token_id: bert ? 0 : 1,
    bos_token_id: bert ? undefined : 0,
    eos_token_id: bert ? undefined : 2,
    position_embedding_type: 'absolute',
  };
}

/**
 * Writes the model folder: config.json, tokenizer.json, tokenizer_config.json, model.safetensors
 * (float32, plus an int64 `embeddings.position_ids` buffer as older checkpoints have) and
 * onnx/model.onnx, all from `weights` (default: the seeded {@link tinyBertWeights}; explicit
 * ones must have its names and shapes). Returns the folder.
 */
export async function writeTinyBert(dir: string, spec: TinyBertSpec, weights = tinyBertWeights(spec)): Promise<string> {
  for (const [name, t] of tinyBertWeights(spec)) {
    const given = weights.get(name);
    if (given === undefined || given.shape.join() !== t.shape.join() || given.data.length !== t.data.length) {
      throw new Error(`writeTinyBert: weights must hold ${name} of shape [${t.shape.join(', ')}]; got ${given === undefined ? 'none' : `[${given.shape.join(', ')}] with ${given.data.length} values`}.`);
    }
  }
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  json(join(dir, 'config.json'), tinyBertConfig(spec));
  const { tokenizer, config } = tokenizerFiles(spec.modelType, spec.extraWords);
  json(join(dir, 'tokenizer.json'), tokenizer);
  json(join(dir, 'tokenizer_config.json'), config);
  writeFileSync(join(dir, 'onnx', 'model.onnx'), bertGraph(spec, weights));
  const prefix = spec.modelType === 'bert' ? 'bert.' : 'roberta.';
  const positionIds = new BigInt64Array(Array.from({ length: spec.maxPositions }, (_, i) => BigInt(i)));
  const tensors: SafetensorsTensor[] = [...weights]
    .filter(([name]) => !(spec.omitPoolerFromCheckpoint && name.startsWith(`${prefix}pooler.`)))
    .map(([name, t]) => ({ name, dtype: 'F32', shape: t.shape, data: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength) }));
  tensors.push({ name: `${prefix}embeddings.position_ids`, dtype: 'I64', shape: [1, spec.maxPositions], data: new Uint8Array(positionIds.buffer) });
  await writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt' });
  return dir;
}
