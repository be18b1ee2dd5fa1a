import { MmauxEncoderError } from './errors.js';
import { type HfEncoderOptions, type HfPooling, loadHfModel, tensorFloats } from './hf-model.js';
import type { HfTensor, HfTokenizer } from './hf-runtime.js';
import type { TextFeatureEncoder, TextFeatures } from './types.js';
import { checkTexts, positiveInt } from './validate.js';
import { paddedTextFeatures, type TextRow } from './text-rows.js';

/** Options of a transformers.js text encoder. */
export interface HfTextEncoderOptions extends HfEncoderOptions {
  /**
   * Tokens per text, special tokens included (the paper uses 128).
   * @defaultValue 128
   */
  maxLength?: number;
}

/**
 * @internal A transformers.js text encoder (`hf:` spec): tokenizer + ONNX model from a local
 * folder or the hub; token features are `last_hidden_state` at the real tokens.
 */
export async function createHfTextEncoder(spec: string, options: HfTextEncoderOptions = {}): Promise<TextFeatureEncoder> {
  const fn = 'createTextEncoder';
  const maxLength = positiveInt(fn, 'maxLength', options.maxLength, 128, 1 << 16);
  const loaded = await loadHfModel(fn, spec, 'text', options);
  const { transformers, model } = loaded;
  let tokenizer: HfTokenizer;
  try {
    tokenizer = await transformers.AutoTokenizer.from_pretrained(loaded.location, loaded.loadOptions);
  } catch (e) {
    await model.dispose().catch(() => {});
    throw new MmauxEncoderError(
      'MODEL_NOT_FOUND',
      `${fn}: the tokenizer of "${spec}" is missing or unreadable (${(e as Error).message}); ${loaded.folder ?? loaded.location} needs tokenizer.json and tokenizer_config.json (the files a converted Xenova/* repository ships, or \`tokenizer.save_pretrained()\` writes).`,
      { cause: e },
    );
  }
  const isTower = /^(clip|siglip)/.test(loaded.modelType);
  let pooling: HfPooling | undefined = loaded.pooling;

  const runBatch = async (texts: string[]): Promise<TextRow[]> => {
    const enc = tokenizer(texts, { padding: true, truncation: true, max_length: maxLength });
    const out = await model(enc);
    const lhs = out.last_hidden_state;
    if (!lhs || lhs.dims.length !== 3) {
      throw new MmauxEncoderError(
        'UNSUPPORTED_MODEL',
        `${fn}: "${spec}" gives no last_hidden_state [batch, tokens, dim] (outputs: ${Object.keys(out).join(', ')}); use a base encoder export (task feature-extraction).`,
      );
    }
    const [b, l, D] = lhs.dims as [number, number, number];
    const hidden = tensorFloats(lhs);
    const mask = enc.attention_mask as HfTensor;
    const maskData = mask.data as BigInt64Array | ArrayLike<number>;
    let pooler: Float32Array | null = null;
    pooling ??= isTower ? (out.pooler_output?.dims.reduce((x, y) => x * y, 1) === b * D ? 'pooler' : 'last') : 'first';
    if (pooling === 'pooler') {
      const p = out.pooler_output;
      if (!p || p.dims.reduce((x, y) => x * y, 1) !== b * D) {
        throw new MmauxEncoderError('UNSUPPORTED_MODEL', `${fn}: pooling 'pooler' needs a pooler_output of size [batch, ${D}], but "${spec}" gives ${p ? `[${p.dims.join(', ')}]` : 'none'}; use pooling 'first' or 'mean'.`);
      }
      pooler = tensorFloats(p);
    }
    const rows: TextRow[] = [];
    for (let i = 0; i < b; i++) {
      const real: number[] = [];
      for (let p = 0; p < l; p++) if (Number(maskData[i * l + p]) !== 0) real.push(p);
      const tokens = new Float32Array(real.length * D);
      real.forEach((p, j) => tokens.set(hidden.subarray((i * l + p) * D, (i * l + p + 1) * D), j * D));
      let pooled: Float32Array;
      if (pooler) pooled = pooler.slice(i * D, (i + 1) * D);
      else if (pooling === 'first') pooled = tokens.slice(0, D);
      else if (pooling === 'last') pooled = tokens.slice(Math.max(0, real.length - 1) * D, Math.max(1, real.length) * D);
      else {
        pooled = new Float32Array(D);
        for (let j = 0; j < real.length; j++) for (let d = 0; d < D; d++) pooled[d]! += (tokens[j * D + d] as number) / real.length;
      }
      rows.push({ tokens, pooled });
    }
    for (const t of Object.values(out)) t.dispose?.();
    return rows;
  };

  let dim: number;
  try {
    dim = (await runBatch(['a']))[0]!.pooled.length;
  } catch (e) {
    await model.dispose().catch(() => {});
    if (e instanceof MmauxEncoderError) throw e;
    throw new MmauxEncoderError('MODEL_LOAD_FAILED', `${fn}: a test run of "${spec}" failed: ${(e as Error).message}`, { cause: e });
  }
  const id = `${loaded.idBase};max=${maxLength};pool=${pooling as HfPooling}`;
  let disposed = false;

  return {
    kind: 'text',
    spec,
    id,
    device: loaded.device,
    dim,
    maxLength,
    async encode(texts: readonly string[]): Promise<TextFeatures> {
      checkTexts('textEncoder.encode', texts);
      if (disposed) throw new MmauxEncoderError('INVALID_INPUT', `textEncoder.encode: ${id} was disposed; create it again.`);
      const rows: TextRow[] = [];
      for (let s = 0; s < texts.length; s += loaded.batchSize) rows.push(...(await runBatch(texts.slice(s, s + loaded.batchSize))));
      return paddedTextFeatures(rows, dim);
    },
    async dispose(): Promise<void> {
      if (!disposed) {
        disposed = true;
        await model.dispose();
      }
    },
  };
}
