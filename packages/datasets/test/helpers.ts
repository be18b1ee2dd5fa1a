// Shared helpers of the loader tests: temporary fixture folders and tiny images.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { expect } from 'vitest';
import { MmauxDatasetError } from '../src/errors.js';
import type { LoadReport } from '../src/report.js';

const made: string[] = [];

/** A fresh folder under os.tmpdir(), removed by {@link removeTempDirs}. */
export function tempDir(prefix = 'mmaux-datasets-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Removes every folder {@link tempDir} made (call from afterAll). */
export function removeTempDirs(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Writes a file, creating its folders. */
export function put(dir: string, rel: string, content: string | Uint8Array): string {
  const p = join(dir, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, content);
  return p;
}

let tiny: Buffer | undefined;

/** A valid 4 × 4 red JPEG. */
export async function tinyJpeg(): Promise<Buffer> {
  tiny ??= await sharp({ create: { width: 4, height: 4, channels: 3, background: '#f00' } }).jpeg().toBuffer();
  return tiny;
}

/** A valid JPEG of the given size (for truncation and pixel-limit tests). */
export async function jpegOf(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#0a0' } }).jpeg().toBuffer();
}

/** read = kept + skipped + filtered: nothing is lost without a trace. */
export function expectNothingLost(report: LoadReport): void {
  const sum = (t: Record<string, { count: number } | undefined>) => Object.values(t).reduce((a, e) => a + (e?.count ?? 0), 0);
  expect(report.read).toBe(report.kept + sum(report.skipped) + sum(report.filtered));
}

/** Awaits `call` and checks it throws a MmauxDatasetError with `code` and every message fragment. */
export async function expectDatasetError(call: () => Promise<unknown> | unknown, code: string, ...fragments: string[]): Promise<MmauxDatasetError> {
  let caught: unknown;
  try {
    await call();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected a throw').toBeInstanceOf(MmauxDatasetError);
  const err = caught as MmauxDatasetError;
  expect(err.code).toBe(code);
  for (const f of fragments) expect(err.message).toContain(f);
  return err;
}
