import { MmauxEncoderError } from './errors.js';

/** @internal A positive integer option, or its default. */
export function positiveInt(fn: string, name: string, value: unknown, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new MmauxEncoderError(
      'INVALID_OPTION',
      `${fn}: ${name} must be an integer in [1, ${max}], got ${describe(value)}; leave it out for the default ${fallback}.`,
    );
  }
  return value;
}

/** @internal A value from a closed set, or its default. */
export function oneOf<T extends string>(fn: string, name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new MmauxEncoderError('INVALID_OPTION', `${fn}: ${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describe(value)}.`);
  }
  return value as T;
}

/** @internal Short description of a value for messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (v instanceof Uint8Array) return `a Uint8Array of ${v.length} bytes`;
  if (typeof v === 'object') return `an object (${(v as object).constructor?.name ?? 'Object'})`;
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  return `${typeof v} ${String(v)}`;
}

/** @internal Checks that `texts` is an array of strings. */
export function checkTexts(fn: string, texts: unknown): asserts texts is readonly string[] {
  if (!Array.isArray(texts)) {
    throw new MmauxEncoderError('INVALID_INPUT', `${fn}: texts must be an array of strings, got ${describe(texts)}; wrap a single text in [ ].`);
  }
  for (let i = 0; i < texts.length; i++) {
    if (typeof texts[i] !== 'string') {
      throw new MmauxEncoderError('INVALID_INPUT', `${fn}: texts[${i}] must be a string, got ${describe(texts[i])}.`);
    }
  }
}

/** @internal Runs `work` over `items` with at most `limit` in flight, keeping the order of results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
