import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary folder, removed after the test file. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `mmaux-enc-${prefix}-`));
  made.push(dir);
  return dir;
}

/** Cosine similarity of rows a and b of a [n, dim] matrix (or of two vectors). */
export function cosine(x: Float32Array, a: number, b: number, dim: number): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let j = 0; j < dim; j++) {
    const u = x[a * dim + j] as number;
    const v = x[b * dim + j] as number;
    dot += u * v;
    na += u * u;
    nb += v * v;
  }
  return dot / Math.sqrt(na * nb);
}

/** Largest absolute difference of two arrays of equal length (Infinity when lengths differ). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

/** Rows [from, to) of a row-major array with `width` values per row. */
export function rows(x: Float32Array, from: number, to: number, width: number): Float32Array {
  return x.slice(from * width, to * width);
}

/** Expects `promise` to reject with an error carrying `code`; returns the error. */
export async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<Error & { code: string }> {
  try {
    await promise;
  } catch (e) {
    const err = e as Error & { code: string };
    if (err.code !== code) throw new Error(`expected code ${code}, got ${err.code}: ${err.message}`);
    return err;
  }
  throw new Error(`expected a rejection with code ${code}, but it resolved`);
}
