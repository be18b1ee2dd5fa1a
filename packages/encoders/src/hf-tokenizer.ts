// The tokenizer of a transformers.js text model (`hf:` spec) alone: token ids and masks for a
// re-implementation of the encoder that runs elsewhere (the frozen lower layers of a fine-tuned
// encoder in @mmaux/fusion's TextEncoderLayers), with an id that changes with the files.
import { MmauxEncoderError } from './errors.js';
import { type HfEncoderOptions, loadHfModel } from './hf-model.js';
import type { HfTensor, HfTokenizer } from './hf-runtime.js';
import { checkTexts, positiveInt } from './validate.js';

/** Options of {@link createHfTokenizer}. */
export interface HfTokenizerOptions extends Pick<HfEncoderOptions, 'allowRemote' | 'localModelPath' | 'cacheDir' | 'revision'> {
  /** Tokens per text, special tokens included. @defaultValue 128 */
  maxLength?: number;
}

/** Token ids of N texts, right-padded to the longest: `[N, length]` row-major. */
export interface HfTokenized {
  inputIds: Int32Array;
  tokenTypeIds: Int32Array;
  /** 1 for a real token, 0 for padding. */
  mask: Uint8Array;
  shape: { n: number; length: number };
}

/** A model's tokenizer, as {@link createHfTokenizer} returns it. */
export interface HfTextTokenizer {
  /** `hf:<name>;files=<hash>;max=<maxLength>` (the same files and length give the same ids). */
  readonly id: string;
  readonly spec: string;
  readonly maxLength: number;
  /** The parsed `config.json`. */
  readonly config: Record<string, unknown>;
  /** Tokenizes texts as the `hf:` text encoder does (truncation at `maxLength`, padding on the right). */
  tokenize(texts: readonly string[]): HfTokenized;
}

function ints(t: HfTensor | undefined, size: number): Int32Array {
  const out = new Int32Array(size);
  if (t === undefined) return out;
  const data = t.data as BigInt64Array | ArrayLike<number>;
  for (let i = 0; i < size; i++) out[i] = Number(data[i]);
  return out;
}

/**
 * Loads the tokenizer of a `hf:` text model (local folder or hub id, as `createTextEncoder`
 * resolves it). The ONNX model is opened once to check the folder and closed again.
 *
 * @param spec - `hf:<hub id or folder>`
 * @param options - `maxLength` (128) and where to look
 * @returns a tokenizer with a stable id
 * @throws MmauxEncoderError `MODEL_NOT_FOUND` (no config or tokenizer files), `INVALID_SPEC`
 *
 * @example
 * ```ts
 * let code = '';
 * try { await createHfTokenizer('hf:/no/such/folder'); } catch (e) { code = (e as MmauxEncoderError).code; }
 * code; // "MODEL_NOT_FOUND"
 * ```
 */
export async function createHfTokenizer(spec: string, options: HfTokenizerOptions = {}): Promise<HfTextTokenizer> {
  const fn = 'createHfTokenizer';
  if (typeof spec !== 'string' || !spec.startsWith('hf:')) throw new MmauxEncoderError('INVALID_SPEC', `${fn}: "${String(spec)}" is not a hf: spec; write hf:<hub id> or hf:<folder>.`);
  const maxLength = positiveInt(fn, 'maxLength', options.maxLength, 128, 1 << 16);
  const loaded = await loadHfModel(fn, spec, 'text', options);
  let tokenizer: HfTokenizer;
  try {
    tokenizer = await loaded.transformers.AutoTokenizer.from_pretrained(loaded.location, loaded.loadOptions);
  } catch (e) {
    throw new MmauxEncoderError(
      'MODEL_NOT_FOUND',
      `${fn}: the tokenizer of "${spec}" is missing or unreadable (${(e as Error).message}); ${loaded.folder ?? loaded.location} needs tokenizer.json and tokenizer_config.json.`,
      { cause: e },
    );
  } finally {
    await loaded.model.dispose().catch(() => {});
  }
  return {
    id: `${loaded.idBase};max=${maxLength}`,
    spec,
    maxLength,
    config: loaded.config,
    tokenize(texts) {
      checkTexts('tokenizer.tokenize', texts);
      const enc = tokenizer([...texts], { padding: true, truncation: true, max_length: maxLength });
      const mask = enc.attention_mask as HfTensor;
      const [n, length] = mask.dims as [number, number];
      const size = n * length;
      return {
        inputIds: ints(enc.input_ids as HfTensor, size),
        tokenTypeIds: ints(enc.token_type_ids as HfTensor | undefined, size),
        mask: Uint8Array.from(ints(mask, size)),
        shape: { n, length },
      };
    },
  };
}
