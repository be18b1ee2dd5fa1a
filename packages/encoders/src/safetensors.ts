import { open, readFile } from 'node:fs/promises';
import { MmauxEncoderError } from './errors.js';
import { writeFileAtomic } from './atomic-write.js';

/** The safetensors dtypes this package reads and writes. */
export type SafetensorsDtype = 'F32' | 'F16' | 'I64' | 'U8';

/** One tensor to write: raw little-endian bytes of `dtype`, row-major `shape`. */
export interface SafetensorsTensor {
  /** Tensor name (unique in the file). */
  name: string;
  /** Element type. */
  dtype: SafetensorsDtype;
  /** Dimensions. */
  shape: number[];
  /** `product(shape) · bytes(dtype)` bytes. */
  data: Uint8Array;
}

/** A tensor as {@link readSafetensors} gives it back. */
export interface SafetensorsEntry {
  /** Element type. */
  dtype: SafetensorsDtype;
  /** Dimensions. */
  shape: number[];
  /** The values: `Float32Array` (F32), `Uint16Array` of half bits (F16), `BigInt64Array` (I64), `Uint8Array` (U8). */
  data: Float32Array | Uint16Array | BigInt64Array | Uint8Array;
}

/** @internal Parsed header of a safetensors file. */
export interface SafetensorsHeader {
  /** Header JSON bytes length (after the 8-byte length prefix). */
  headerLength: number;
  /** Byte offset of the data section in the file. */
  dataStart: number;
  /** Tensors by name, offsets relative to `dataStart`. */
  tensors: Map<string, { dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }>;
  /** `__metadata__` (string → string). */
  metadata: Record<string, string>;
  /** The raw header bytes (length prefix included), for checksums. */
  raw: Uint8Array;
}

const BYTES: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, I64: 8, U8: 1 };
const MAX_HEADER = 100_000_000;

/**
 * @internal Builds the header (8-byte little-endian length + JSON padded with spaces to a
 * multiple of 8) for tensors laid out one after another in the given order.
 */
export function encodeSafetensorsHeader(tensors: readonly SafetensorsTensor[], metadata: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    const expected = t.shape.reduce((a, b) => a * b, 1) * BYTES[t.dtype];
    if (t.data.length !== expected) {
      throw new MmauxEncoderError('INVALID_INPUT', `safetensors: tensor ${t.name} has ${t.data.length} bytes, expected ${expected} for ${t.dtype}[${t.shape.join(', ')}].`);
    }
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.length] };
    offset += t.data.length;
  }
  let json = JSON.stringify(header);
  const jsonBytes = new TextEncoder().encode(json);
  const padded = Math.ceil(jsonBytes.length / 8) * 8;
  json += ' '.repeat(padded - jsonBytes.length);
  const out = new Uint8Array(8 + padded);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(new TextEncoder().encode(json), 8);
  return out;
}

/** @internal Parses and validates a header: contiguous tensors in order covering the data section exactly. */
export function parseSafetensorsHeader(raw: Uint8Array, fileSize: number, where: string): SafetensorsHeader {
  const fail = (why: string): never => {
    throw new MmauxEncoderError('CACHE_IO', `safetensors: ${where}: ${why}`);
  };
  if (raw.length < 8) fail('shorter than the 8-byte header length');
  const len = Number(new DataView(raw.buffer, raw.byteOffset, 8).getBigUint64(0, true));
  if (len > MAX_HEADER || 8 + len > fileSize || 8 + len > raw.length) fail(`header length ${len} does not fit the file (${fileSize} bytes)`);
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw.subarray(8, 8 + len))) as Record<string, unknown>;
  } catch (e) {
    return fail(`header is not JSON (${(e as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) fail('header is not a JSON object');
  const metadata: Record<string, string> = {};
  const tensors: SafetensorsHeader['tensors'] = new Map();
  for (const [name, v] of Object.entries(parsed)) {
    if (name === '__metadata__') {
      for (const [k, s] of Object.entries((v ?? {}) as Record<string, unknown>)) {
        if (typeof s !== 'string') fail(`__metadata__.${k} is not a string`);
        metadata[k] = s as string;
      }
      continue;
    }
    const t = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof t?.dtype !== 'string' || !(t.dtype in BYTES)) fail(`tensor ${name} has unsupported dtype ${String(t?.dtype)}`);
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`tensor ${name} has a bad shape`);
    const off = t.data_offsets as unknown;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isInteger(d) && d >= 0)) fail(`tensor ${name} has bad data_offsets`);
    const [begin, end] = off as [number, number];
    const dtype = t.dtype as SafetensorsDtype;
    const shape = t.shape as number[];
    if (end - begin !== shape.reduce((a, b) => a * b, 1) * BYTES[dtype]) fail(`tensor ${name}: data_offsets do not match ${dtype}[${shape.join(', ')}]`);
    tensors.set(name, { dtype, shape, begin, end });
  }
  const sorted = [...tensors.values()].sort((a, b) => a.begin - b.begin);
  let cursor = 0;
  for (const t of sorted) {
    if (t.begin !== cursor) fail('tensors are not contiguous');
    cursor = t.end;
  }
  if (8 + len + cursor !== fileSize) fail(`file has ${fileSize} bytes but the header describes ${8 + len + cursor} (truncated or padded)`);
  return { headerLength: len, dataStart: 8 + len, tensors, metadata, raw: raw.subarray(0, 8 + len) };
}

/** @internal Reads the header of an open file. */
export async function readSafetensorsHeaderFrom(
  fh: import('node:fs/promises').FileHandle,
  fileSize: number,
  where: string,
): Promise<SafetensorsHeader> {
  const prefix = new Uint8Array(8);
  await fh.read(prefix, 0, 8, 0);
  const len = fileSize >= 8 ? Number(new DataView(prefix.buffer).getBigUint64(0, true)) : 0;
  if (fileSize < 8 || len > MAX_HEADER || 8 + len > fileSize) {
    throw new MmauxEncoderError('CACHE_IO', `safetensors: ${where}: header length ${len} does not fit the file (${fileSize} bytes)`);
  }
  const raw = new Uint8Array(8 + len);
  raw.set(prefix);
  await fh.read(raw, 8, len, 8);
  return parseSafetensorsHeader(raw, fileSize, where);
}

/** @internal Copies bytes into a fresh, aligned typed array of the dtype. */
export function typedFromBytes(dtype: SafetensorsDtype, bytes: Uint8Array): SafetensorsEntry['data'] {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  switch (dtype) {
    case 'F32':
      return new Float32Array(copy.buffer);
    case 'F16':
      return new Uint16Array(copy.buffer);
    case 'I64':
      return new BigInt64Array(copy.buffer);
    default:
      return copy;
  }
}

/**
 * Writes a safetensors file (the format Python's `safetensors` library reads) atomically:
 * tensors in the given order, `metadata` as `__metadata__`, written to a temporary name,
 * fsynced and renamed.
 *
 * @param file - destination path
 * @param tensors - name, dtype (`F32`, `F16`, `I64`, `U8`), shape and little-endian bytes
 * @param metadata - string → string
 * @throws MmauxEncoderError `INVALID_INPUT` when a tensor's bytes do not match its shape
 *
 * @example
 * ```ts
 * const dir = await mkdtemp(join(tmpdir(), 'st-'));
 * const x = new Float32Array([1, 2, 3, 4]);
 * await writeSafetensors(join(dir, 'a.safetensors'), [{ name: 'x', dtype: 'F32', shape: [2, 2], data: new Uint8Array(x.buffer) }], { note: 'hi' });
 * const back = await readSafetensors(join(dir, 'a.safetensors'));
 * back.tensors.x.shape; // [2, 2]
 * Array.from(back.tensors.x.data as Float32Array); // [1, 2, 3, 4]
 * back.metadata.note; // "hi"
 * ```
 */
export async function writeSafetensors(file: string, tensors: readonly SafetensorsTensor[], metadata: Record<string, string> = {}): Promise<void> {
  const header = encodeSafetensorsHeader(tensors, metadata);
  await writeFileAtomic(file, [header, ...tensors.map((t) => t.data)]);
}

/**
 * Reads a whole safetensors file (small files: tests, inspection; the feature cache reads by
 * position instead). Only the dtypes `F32`, `F16`, `I64` and `U8` are supported.
 *
 * @param file - path
 * @returns `{ tensors: { name: { dtype, shape, data } }, metadata }`
 * @throws MmauxEncoderError `CACHE_IO` for a malformed or truncated file
 *
 * @example
 * ```ts
 * const dir = await mkdtemp(join(tmpdir(), 'st-'));
 * await writeSafetensors(join(dir, 'b.safetensors'), [{ name: 'k', dtype: 'U8', shape: [3], data: new Uint8Array([7, 8, 9]) }]);
 * Array.from((await readSafetensors(join(dir, 'b.safetensors'))).tensors.k.data as Uint8Array); // [7, 8, 9]
 * ```
 */
export async function readSafetensors(file: string): Promise<{ tensors: Record<string, SafetensorsEntry>; metadata: Record<string, string> }> {
  const bytes = new Uint8Array(await readFile(file));
  const h = parseSafetensorsHeader(bytes, bytes.length, file);
  const tensors: Record<string, SafetensorsEntry> = {};
  for (const [name, t] of h.tensors) {
    tensors[name] = { dtype: t.dtype, shape: t.shape, data: typedFromBytes(t.dtype, bytes.subarray(h.dataStart + t.begin, h.dataStart + t.end)) };
  }
  return { tensors, metadata: h.metadata };
}

/** @internal Bytes per element. */
export function dtypeBytes(dtype: SafetensorsDtype): number {
  return BYTES[dtype];
}

/** @internal Opens a file for positional reads. */
export const openForRead = (file: string) => open(file, 'r');
