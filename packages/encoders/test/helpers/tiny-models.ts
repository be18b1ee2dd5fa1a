// Tiny ONNX models written from JavaScript with onnx-proto, plus the config, tokenizer and
// preprocessor files transformers.js reads, so the transformers.js encoders can be tested
// offline from a local folder. The graphs are small but shaped like the real thing:
//
// - text ('bert'): input_ids, attention_mask, token_type_ids (int64 [batch, seq]) →
//   last_hidden_state = tanh((E[ids] + T[types] + ctx) · W + b) · mask, where ctx is the
//   masked mean of E[ids] over the sequence, so every token depends on the other real tokens
//   and padding must be masked correctly for batch-size invariance to hold;
// - image ('vit'): pixel_values [batch, 3, H, W] → Conv (kernel = stride = patch) → [batch, P, D],
//   a CLS token (mean of patches + a learnt vector) in front, + position embeddings, tanh →
//   last_hidden_state [batch, 1 + P, D];
// - image ('resnet'): Conv (stride = patch) + Relu → last_hidden_state [batch, D, h, w] and
//   pooler_output = GlobalAveragePool [batch, D, 1, 1];
// - 'clip': the text graph as onnx/text_model.onnx (+ pooler_output = last token) and the ViT
//   graph as onnx/vision_model.onnx (+ pooler_output = CLS), as Xenova's CLIP conversions ship.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type INode = InstanceType<typeof onnx.NodeProto>;
type ITensor = InstanceType<typeof onnx.TensorProto>;
type IValueInfo = InstanceType<typeof onnx.ValueInfoProto>;

/** mulberry32: a seeded generator for the weights (never Math.random). */
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

function randomFloats(n: number, scale: number, seed: number): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (r() * 2 - 1) * scale;
  return out;
}

function floatTensor(name: string, dims: number[], data: Float32Array): ITensor {
  return onnx.TensorProto.create({
    name,
    dims,
    dataType: onnx.TensorProto.DataType.FLOAT,
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  });
}

function int64Tensor(name: string, values: number[]): ITensor {
  const data = new BigInt64Array(values.map((v) => BigInt(v)));
  return onnx.TensorProto.create({
    name,
    dims: [values.length],
    dataType: onnx.TensorProto.DataType.INT64,
    rawData: new Uint8Array(data.buffer),
  });
}

function node(op: string, inputs: string[], outputs: string[], attrs: Record<string, number | number[]> = {}): INode {
  const attribute = Object.entries(attrs).map(([name, v]) =>
    Array.isArray(v)
      ? onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: v })
      : onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: v }),
  );
  return onnx.NodeProto.create({ opType: op, input: inputs, output: outputs, name: `${op}_${outputs[0]}`, attribute });
}

function valueInfo(name: string, elemType: number, dims: Array<number | string>): IValueInfo {
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType,
        shape: onnx.TensorShapeProto.create({
          dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
        }),
      }),
    }),
  });
}

function writeModel(file: string, graph: { nodes: INode[]; inits: ITensor[]; inputs: IValueInfo[]; outputs: IValueInfo[] }): void {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'mmaux-tiny-models',
    opsetImport: [{ domain: '', version: 13 }],
    graph: onnx.GraphProto.create({
      name: 'tiny',
      node: graph.nodes,
      initializer: graph.inits,
      input: graph.inputs,
      output: graph.outputs,
    }),
  });
  writeFileSync(file, onnx.ModelProto.encode(model).finish());
}

const F = onnx.TensorProto.DataType.FLOAT;
const I64 = onnx.TensorProto.DataType.INT64;

/** The weights of the tiny text model (so tests can compute its output independently). */
export function tinyTextWeights(vocabSize: number, dim: number, seed: number) {
  return {
    words: randomFloats(vocabSize * dim, 1, seed),
    types: randomFloats(2 * dim, 0.1, seed + 1),
    dense: randomFloats(dim * dim, 1 / Math.sqrt(dim), seed + 2),
    bias: randomFloats(dim, 0.1, seed + 3),
  };
}

/**
 * The tiny text model's last_hidden_state for one unpadded sequence of token ids (type 0),
 * computed in float64 from the weights: tanh((E[id] + T[0] + mean(E[ids])) · W + b).
 */
export function tinyTextReference(ids: number[], dim = 16, seed = 1): Float64Array {
  const w = tinyTextWeights(TINY_VOCAB.length, dim, seed);
  const ctx = new Float64Array(dim);
  for (const id of ids) for (let d = 0; d < dim; d++) ctx[d]! += (w.words[id * dim + d] as number) / ids.length;
  const out = new Float64Array(ids.length * dim);
  ids.forEach((id, p) => {
    for (let j = 0; j < dim; j++) {
      let acc = w.bias[j] as number;
      for (let d = 0; d < dim; d++) acc += ((w.words[id * dim + d] as number) + (w.types[d] as number) + (ctx[d] as number)) * (w.dense[d * dim + j] as number);
      out[p * dim + j] = Math.tanh(acc);
    }
  });
  return out;
}

/** The text graph described at the top of the file. */
function textGraph(vocabSize: number, dim: number, seed: number, withPooler: boolean) {
  const nodes: INode[] = [
    node('Gather', ['word_embeddings', 'input_ids'], ['words'], { axis: 0 }),
    node('Gather', ['type_embeddings', 'token_type_ids'], ['types'], { axis: 0 }),
    node('Cast', ['attention_mask'], ['mask_f'], { to: F }),
    node('Unsqueeze', ['mask_f', 'axis2'], ['mask3']),
    node('Mul', ['words', 'mask3'], ['masked_words']),
    node('ReduceSum', ['masked_words', 'axis1'], ['word_sum'], { keepdims: 1 }),
    node('ReduceSum', ['mask3', 'axis1'], ['count'], { keepdims: 1 }),
    node('Max', ['count', 'one'], ['safe_count']),
    node('Div', ['word_sum', 'safe_count'], ['ctx']),
    node('Add', ['words', 'types'], ['wt']),
    node('Add', ['wt', 'ctx'], ['h0']),
    node('MatMul', ['h0', 'dense_w'], ['h1']),
    node('Add', ['h1', 'dense_b'], ['h2']),
    node('Tanh', ['h2'], ['h3']),
    node('Mul', ['h3', 'mask3'], ['last_hidden_state']),
  ];
  const outputs = [valueInfo('last_hidden_state', F, ['batch_size', 'sequence_length', dim])];
  if (withPooler) {
    // CLIP's text pooler reads the last real token: gather position (count - 1) per row.
    nodes.push(
      node('ReduceSum', ['attention_mask', 'axis1'], ['lengths'], { keepdims: 1 }),
      node('Sub', ['lengths', 'one_i64'], ['last_index']),
      node('Unsqueeze', ['last_index', 'axis2'], ['last_index3']),
      node('Shape', ['last_hidden_state'], ['lhs_shape']),
      node('Gather', ['lhs_shape', 'gather_shape_idx'], ['b1d']),
      node('Expand', ['last_index3', 'b1d'], ['index3']),
      node('GatherElements', ['last_hidden_state', 'index3'], ['pooled3'], { axis: 1 }),
      node('Squeeze', ['pooled3', 'axis1'], ['pooler_output']),
    );
    outputs.push(valueInfo('pooler_output', F, ['batch_size', dim]));
  }
  const w = tinyTextWeights(vocabSize, dim, seed);
  const inits = [
    floatTensor('word_embeddings', [vocabSize, dim], w.words),
    floatTensor('type_embeddings', [2, dim], w.types),
    floatTensor('dense_w', [dim, dim], w.dense),
    floatTensor('dense_b', [dim], w.bias),
    floatTensor('one', [1], new Float32Array([1])),
    int64Tensor('axis1', [1]),
    int64Tensor('axis2', [2]),
  ];
  if (withPooler) {
    inits.push(int64Tensor('one_i64', [1]), int64Tensor('gather_shape_idx', [0, 2]));
    // Expand to [batch, 1, dim]: build the target shape [batch, 1, dim] from lhs_shape[0], 1, lhs_shape[2].
    const i = nodes.findIndex((n) => n.opType === 'Expand');
    nodes.splice(i, 1,
      node('Gather', ['lhs_shape', 'zero_idx'], ['batch_dim']),
      node('Gather', ['lhs_shape', 'two_idx'], ['dim_dim']),
      node('Concat', ['batch_dim', 'one_i64', 'dim_dim'], ['expand_shape'], { axis: 0 }),
      node('Expand', ['last_index3', 'expand_shape'], ['index3']),
    );
    const j = nodes.findIndex((n) => n.output[0] === 'b1d');
    nodes.splice(j, 1);
    inits.push(int64Tensor('zero_idx', [0]), int64Tensor('two_idx', [2]));
  }
  const inputs = ['input_ids', 'attention_mask', 'token_type_ids'].map((n) => valueInfo(n, I64, ['batch_size', 'sequence_length']));
  return { nodes, inits, inputs, outputs };
}

/** The ViT graph described at the top of the file. */
function vitGraph(imageSize: number, patchSize: number, dim: number, seed: number, withPooler: boolean) {
  const grid = imageSize / patchSize;
  const P = grid * grid;
  const nodes: INode[] = [
    node('Conv', ['pixel_values', 'patch_w', 'patch_b'], ['conv'], { kernel_shape: [patchSize, patchSize], strides: [patchSize, patchSize] }),
    node('Reshape', ['conv', 'flat_shape'], ['flat']),
    node('Transpose', ['flat'], ['patches'], { perm: [0, 2, 1] }),
    node('ReduceMean', ['patches'], ['patch_mean'], { axes: [1], keepdims: 1 }),
    node('Add', ['patch_mean', 'cls_token'], ['cls']),
    node('Concat', ['cls', 'patches'], ['tokens'], { axis: 1 }),
    node('Add', ['tokens', 'position_embeddings'], ['tokens_pos']),
    node('Tanh', ['tokens_pos'], ['last_hidden_state']),
  ];
  const outputs = [valueInfo('last_hidden_state', F, ['batch_size', 1 + P, dim])];
  if (withPooler) {
    nodes.push(node('Gather', ['last_hidden_state', 'zero_scalar'], ['pooler_output'], { axis: 1 }));
    outputs.push(valueInfo('pooler_output', F, ['batch_size', dim]));
  }
  const zero = new BigInt64Array([0n]);
  const inits = [
    floatTensor('patch_w', [dim, 3, patchSize, patchSize], randomFloats(dim * 3 * patchSize * patchSize, 1 / patchSize, seed)),
    floatTensor('patch_b', [dim], randomFloats(dim, 0.1, seed + 1)),
    int64Tensor('flat_shape', [0, dim, -1]),
    floatTensor('cls_token', [1, 1, dim], randomFloats(dim, 0.5, seed + 2)),
    floatTensor('position_embeddings', [1, 1 + P, dim], randomFloats((1 + P) * dim, 0.1, seed + 3)),
    onnx.TensorProto.create({ name: 'zero_scalar', dims: [], dataType: I64, rawData: new Uint8Array(zero.buffer) }),
  ];
  const inputs = [valueInfo('pixel_values', F, ['batch_size', 3, imageSize, imageSize])];
  return { nodes, inits, inputs, outputs };
}

/** The ResNet-like graph described at the top of the file. */
function resnetGraph(imageSize: number, stride: number, dim: number, seed: number) {
  const grid = imageSize / stride;
  const nodes = [
    node('Conv', ['pixel_values', 'conv_w', 'conv_b'], ['conv'], { kernel_shape: [stride, stride], strides: [stride, stride] }),
    node('Relu', ['conv'], ['last_hidden_state']),
    node('GlobalAveragePool', ['last_hidden_state'], ['pooler_output']),
  ];
  const inits = [
    floatTensor('conv_w', [dim, 3, stride, stride], randomFloats(dim * 3 * stride * stride, 1 / stride, seed)),
    floatTensor('conv_b', [dim], randomFloats(dim, 0.1, seed + 1)),
  ];
  const inputs = [valueInfo('pixel_values', F, ['batch_size', 3, imageSize, imageSize])];
  const outputs = [valueInfo('last_hidden_state', F, ['batch_size', dim, grid, grid]), valueInfo('pooler_output', F, ['batch_size', dim, 1, 1])];
  return { nodes, inits, inputs, outputs };
}

/** A small WordPiece vocabulary: specials, letters, common words and suffix pieces. */
export const TINY_VOCAB: readonly string[] = [
  '[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]',
  ...'abcdefghijklmnopqrstuvwxyz0123456789'.split(''),
  ...'abcdefghijklmnopqrstuvwxyz'.split('').map((c) => `##${c}`),
  '!', '?', '.', ',', '@', '#', ':', "'",
  'the', 'cat', 'dog', 'sat', 'on', 'mat', 'is', 'happy', 'sad', 'love', 'hate', 'this', 'that',
  'new', 'day', 'good', 'bad', 'user', 'http', '##url', 'photo', 'of', 'my', 'so', 'very', 'not', 'and',
  '##s', '##ing', '##ed', '##ly',
];

function tokenizerJson(vocab: readonly string[]) {
  const special = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  const id = (t: string) => vocab.indexOf(t);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: special.map((content) => ({
      id: id(content), content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
    })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [id('[CLS]')], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [id('[SEP]')], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
    },
  };
}

const TOKENIZER_CONFIG = {
  tokenizer_class: 'BertTokenizer',
  do_lower_case: true,
  model_max_length: 512,
  cls_token: '[CLS]',
  sep_token: '[SEP]',
  pad_token: '[PAD]',
  unk_token: '[UNK]',
  mask_token: '[MASK]',
};

const json = (file: string, value: unknown) => writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);

function writeTokenizer(dir: string): void {
  json(join(dir, 'tokenizer.json'), tokenizerJson(TINY_VOCAB));
  json(join(dir, 'tokenizer_config.json'), TOKENIZER_CONFIG);
}

function writeImageProcessor(dir: string, imageSize: number, processorType: string, mean = [0.5, 0.5, 0.5], std = [0.5, 0.5, 0.5]): void {
  json(join(dir, 'preprocessor_config.json'), {
    image_processor_type: processorType,
    do_resize: true,
    size: { height: imageSize, width: imageSize },
    resample: 2,
    do_rescale: true,
    rescale_factor: 1 / 255,
    do_normalize: true,
    image_mean: mean,
    image_std: std,
  });
}

/** Options of the tiny model writers. */
export interface TinyModelOptions {
  /** Hidden size D. @defaultValue 16 */
  dim?: number;
  /** Weight seed. @defaultValue 1 */
  seed?: number;
  /** Also write onnx/model_quantized.onnx (same graph, weights from seed + 100) for `quantized: true`. */
  quantizedCopy?: boolean;
  /** Text model: the name of its output (another name than last_hidden_state makes an unsupported model). */
  outputName?: string;
}

/** A BERT-like text model folder: config.json (model_type bert), tokenizer files, onnx/model.onnx. */
export function writeTinyTextModel(dir: string, options: TinyModelOptions = {}): string {
  const dim = options.dim ?? 16;
  const seed = options.seed ?? 1;
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  json(join(dir, 'config.json'), {
    model_type: 'bert', architectures: ['BertModel'], hidden_size: dim, vocab_size: TINY_VOCAB.length,
    max_position_embeddings: 512, type_vocab_size: 2, num_attention_heads: 1, num_hidden_layers: 1,
  });
  writeTokenizer(dir);
  const graph = textGraph(TINY_VOCAB.length, dim, seed, false);
  if (options.outputName) {
    graph.nodes[graph.nodes.length - 1]!.output = [options.outputName];
    graph.outputs[0]!.name = options.outputName;
  }
  writeModel(join(dir, 'onnx', 'model.onnx'), graph);
  if (options.quantizedCopy) writeModel(join(dir, 'onnx', 'model_quantized.onnx'), textGraph(TINY_VOCAB.length, dim, seed + 100, false));
  return dir;
}

/** A ViT-like image model folder: config.json (model_type vit), preprocessor_config.json, onnx/model.onnx. */
export function writeTinyVitModel(dir: string, options: TinyModelOptions & { imageSize?: number; patchSize?: number } = {}): string {
  const dim = options.dim ?? 16;
  const imageSize = options.imageSize ?? 32;
  const patchSize = options.patchSize ?? 8;
  const seed = options.seed ?? 1;
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  json(join(dir, 'config.json'), {
    model_type: 'vit', architectures: ['ViTModel'], hidden_size: dim, image_size: imageSize, patch_size: patchSize, num_channels: 3,
  });
  writeImageProcessor(dir, imageSize, 'ViTImageProcessor');
  writeModel(join(dir, 'onnx', 'model.onnx'), vitGraph(imageSize, patchSize, dim, seed, false));
  if (options.quantizedCopy) writeModel(join(dir, 'onnx', 'model_quantized.onnx'), vitGraph(imageSize, patchSize, dim, seed + 100, false));
  return dir;
}

/** A ResNet-like image model folder: a spatial map [N, D, h, w] and a pooled vector. */
export function writeTinyResnetModel(dir: string, options: TinyModelOptions & { imageSize?: number; stride?: number } = {}): string {
  const dim = options.dim ?? 8;
  const imageSize = options.imageSize ?? 32;
  const stride = options.stride ?? 8;
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  json(join(dir, 'config.json'), { model_type: 'resnet', architectures: ['ResNetModel'], hidden_sizes: [dim], num_channels: 3 });
  // ResNet checkpoints ship a ConvNext-style processor with a crop; a plain resize keeps the test simple.
  writeImageProcessor(dir, imageSize, 'ViTImageProcessor', [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]);
  writeModel(join(dir, 'onnx', 'model.onnx'), resnetGraph(imageSize, stride, dim, options.seed ?? 1));
  return dir;
}

/** A CLIP-like folder with both towers (onnx/text_model.onnx, onnx/vision_model.onnx). */
export function writeTinyClipModel(dir: string, options: TinyModelOptions & { imageSize?: number; patchSize?: number } = {}): string {
  const dim = options.dim ?? 16;
  const imageSize = options.imageSize ?? 32;
  const patchSize = options.patchSize ?? 8;
  const seed = options.seed ?? 1;
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  json(join(dir, 'config.json'), {
    model_type: 'clip',
    architectures: ['CLIPModel'],
    projection_dim: dim,
    text_config: { model_type: 'clip_text_model', hidden_size: dim, vocab_size: TINY_VOCAB.length, max_position_embeddings: 77 },
    vision_config: { model_type: 'clip_vision_model', hidden_size: dim, image_size: imageSize, patch_size: patchSize },
  });
  writeTokenizer(dir);
  writeImageProcessor(dir, imageSize, 'CLIPImageProcessor', [0.48145466, 0.4578275, 0.40821073], [0.26862954, 0.26130258, 0.27577711]);
  writeModel(join(dir, 'onnx', 'text_model.onnx'), textGraph(TINY_VOCAB.length, dim, seed, true));
  writeModel(join(dir, 'onnx', 'vision_model.onnx'), vitGraph(imageSize, patchSize, dim, seed + 7, true));
  return dir;
}
