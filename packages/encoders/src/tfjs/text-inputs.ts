// What a tfjs text model takes: strings (tokenized in the graph), dense token ids (+ mask,
// + token types), or the sparse ids of the Universal Sentence Encoder (indices + values).
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Tensor } from '@tensorflow/tfjs-core';
import { MmauxEncoderError } from '../errors.js';
import type { TfjsModelLocation, TfjsSourceOptions } from './model-source.js';
import { readSideFile } from './model-source.js';
import type { ModelInput } from './tfjs-model.js';
import type { TfCore } from './tfjs-runtime.js';
import { type TfjsTokenizer, createUnigramTokenizer } from './unigram-tokenizer.js';

/** @internal How texts are fed. */
export type TextInputs =
  | { mode: 'strings'; input: ModelInput; rank: 1 | 2 }
  | { mode: 'ids'; ids: ModelInput; mask: ModelInput | null; types: ModelInput | null; fixedLength: number | null }
  | { mode: 'sparse'; indices: ModelInput; values: ModelInput };

const listInputs = (inputs: readonly ModelInput[]): string => inputs.map((i) => `${i.name} ${i.dtype}[${i.shape?.join(', ') ?? '?'}]`).join(', ');

/** @internal Recognises the input kind from the model's input names, dtypes and shapes. */
export function detectTextInputs(fn: string, spec: string, inputs: readonly ModelInput[]): TextInputs {
  const fail = (why: string): never => {
    throw new MmauxEncoderError(
      'UNSUPPORTED_MODEL',
      `${fn}: "${spec}" takes ${listInputs(inputs) || 'no inputs'}; ${why}. A tfjs text model must take one string tensor [batch] (tokenized in the graph), ` +
        'token ids [batch, length] (optionally with an input named *mask* and one named *type* / *segment*), or the Universal Sentence Encoder\'s sparse ids (inputs named indices [n, 2] and values [n]).',
    );
  };
  const strings = inputs.filter((i) => i.dtype === 'string');
  if (strings.length > 0) {
    if (inputs.length !== 1) fail('a string input must be the only input');
    const rank = inputs[0]!.shape?.length ?? 1;
    if (rank !== 1 && !(rank === 2 && (inputs[0]!.shape![1] === 1 || inputs[0]!.shape![1] === -1))) fail('a string input must be [batch] or [batch, 1]');
    return { mode: 'strings', input: inputs[0]!, rank: rank as 1 | 2 };
  }
  if (inputs.some((i) => i.dtype !== 'int32' && i.dtype !== 'float32')) fail('token ids must be int32 (or float32, as Keras Embedding inputs are)');
  const indices = inputs.find((i) => /indices/i.test(i.name));
  const values = inputs.find((i) => /values/i.test(i.name));
  if (inputs.length === 2 && indices && values && indices !== values) return { mode: 'sparse', indices, values };
  if (inputs.length === 0 || inputs.length > 3) fail(`${inputs.length} inputs are not recognised`);
  const mask = inputs.find((i) => /mask/i.test(i.name)) ?? null;
  const types = inputs.find((i) => i !== mask && /type|segment/i.test(i.name)) ?? null;
  const rest = inputs.filter((i) => i !== mask && i !== types);
  if (rest.length !== 1) fail('which input holds the token ids is ambiguous');
  const ids = rest[0]!;
  if (ids.shape !== null && ids.shape.length !== 2) fail(`the ids input ${ids.name} must be [batch, length]`);
  const fixed = ids.shape?.[1] ?? -1;
  return { mode: 'ids', ids, mask, types, fixedLength: fixed > 0 ? fixed : null };
}

function isTokenizer(v: unknown): v is TfjsTokenizer {
  return typeof v === 'object' && v !== null && typeof (v as TfjsTokenizer).id === 'string' && typeof (v as TfjsTokenizer).encode === 'function';
}

/** @internal The tokenizer of an id model: the option, or vocab.json beside model.json. */
export async function resolveTokenizer(
  fn: string,
  spec: string,
  option: string | TfjsTokenizer | undefined,
  location: TfjsModelLocation,
  source: TfjsSourceOptions,
  inputs: TextInputs,
): Promise<TfjsTokenizer> {
  if (option !== undefined && typeof option !== 'string') {
    if (!isTokenizer(option)) {
      throw new MmauxEncoderError('INVALID_OPTION', `${fn}: tokenizer must be a vocab.json path or an object { id: string, encode(text): number[] }.`);
    }
    return option;
  }
  let text: string;
  let where: string;
  if (typeof option === 'string') {
    where = resolve(option);
    try {
      text = await readFile(where, 'utf8');
    } catch (e) {
      throw new MmauxEncoderError('MODEL_NOT_FOUND', `${fn}: the tokenizer vocabulary ${where} (for "${spec}") cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`, { cause: e });
    }
  } else {
    const side = await readSideFile(fn, spec, location, 'vocab.json', source);
    if (side === null) {
      const input = inputs.mode === 'ids' ? inputs.ids : inputs.mode === 'sparse' ? inputs.values : inputs.input;
      throw new MmauxEncoderError(
        'MODEL_NOT_FOUND',
        `${fn}: "${spec}" takes token ids (input ${input.name} ${input.dtype}[${input.shape?.join(', ') ?? '?'}]) but there is no vocab.json beside its model.json; ` +
          "pass tokenizer: '<path of vocab.json>' ([[piece, score], …], the Universal Sentence Encoder format) or tokenizer: { id, encode(text) } with the model's own tokenizer.",
      );
    }
    ({ text, where } = side);
  }
  let vocab: unknown;
  try {
    vocab = JSON.parse(text);
  } catch (e) {
    throw new MmauxEncoderError('MODEL_LOAD_FAILED', `${fn}: the vocabulary ${where} (for "${spec}") is not valid JSON: ${(e as Error).message}.`, { cause: e });
  }
  try {
    return createUnigramTokenizer(vocab as Array<[string, number]>);
  } catch (e) {
    throw new MmauxEncoderError('MODEL_LOAD_FAILED', `${fn}: the vocabulary ${where} (for "${spec}") is not a [[piece, score], …] list: ${(e as Error).message}`, { cause: e });
  }
}

/** @internal Tensors for one batch, and which positions are real tokens. */
export interface TextFeeds {
  feeds: Record<string, Tensor>;
  /** `[b, length]` 1 for a real token (ids mode), else `null`. */
  mask: Uint8Array | null;
  length: number;
}

function idsOf(fn: string, tokenizer: TfjsTokenizer, text: string, index: number, max: number): number[] {
  const ids = Array.from(tokenizer.encode(text)).slice(0, max);
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0 || id > 0x7fffffff) {
      throw new MmauxEncoderError('INVALID_INPUT', `${fn}: the tokenizer ${tokenizer.id} gave the id ${String(id)} for texts[${index}]; ids must be integers in [0, 2³¹).`);
    }
  }
  return ids;
}

/** @internal Builds the input tensors of a batch of texts. */
export function textFeeds(fn: string, tf: TfCore, inputs: TextInputs, texts: readonly string[], tokenizer: TfjsTokenizer | null, maxLength: number, padId: number, offset: number): TextFeeds {
  const b = texts.length;
  if (inputs.mode === 'strings') {
    const shape = inputs.rank === 1 ? [b] : [b, 1];
    return { feeds: { [inputs.input.name]: tf.tensor([...texts], shape, 'string') }, mask: null, length: 1 };
  }
  const rows = texts.map((t, i) => idsOf(fn, tokenizer!, t, offset + i, maxLength));
  if (inputs.mode === 'sparse') {
    // A text with no tokens gets padId, so every row of the batch exists in the sparse input.
    const filled = rows.map((r) => (r.length > 0 ? r : [padId]));
    const total = filled.reduce((s, r) => s + r.length, 0);
    const indices = new Int32Array(total * 2);
    const values = new Int32Array(total);
    let k = 0;
    filled.forEach((r, i) =>
      r.forEach((id, j) => {
        indices[2 * k] = i;
        indices[2 * k + 1] = j;
        values[k++] = id;
      }),
    );
    return {
      feeds: { [inputs.indices.name]: tf.tensor2d(indices, [total, 2], 'int32'), [inputs.values.name]: tf.tensor1d(values, 'int32') },
      mask: null,
      length: 1,
    };
  }
  const L = maxLength;
  const ids = new Int32Array(b * L).fill(padId);
  const mask = new Uint8Array(b * L);
  rows.forEach((r, i) => {
    ids.set(r, i * L);
    mask.fill(1, i * L, i * L + r.length);
  });
  // Keras Embedding inputs are float32 unless declared int32.
  const as = (input: ModelInput, v: Int32Array | Uint8Array): Tensor =>
    input.dtype === 'float32' ? tf.tensor2d(Float32Array.from(v), [b, L], 'float32') : tf.tensor2d(Int32Array.from(v), [b, L], 'int32');
  const feeds: Record<string, Tensor> = { [inputs.ids.name]: as(inputs.ids, ids) };
  if (inputs.mask) feeds[inputs.mask.name] = as(inputs.mask, mask);
  if (inputs.types) feeds[inputs.types.name] = as(inputs.types, new Int32Array(b * L));
  return { feeds, mask, length: L };
}
