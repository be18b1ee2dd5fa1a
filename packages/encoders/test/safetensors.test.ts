import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors } from '../src/index.js';
import { tempDir } from './helpers/util.js';

describe('safetensors files', () => {
  it('follow the format: u64 LE header length, JSON header padded to 8 bytes, contiguous little-endian data', async () => {
    const file = join(tempDir('st'), 'x.safetensors');
    const a = new Float32Array([1.5, -2]);
    const b = new BigInt64Array([0n, 3n, 7n]);
    const c = new Uint16Array([0x3c00]);
    await writeSafetensors(
      file,
      [
        { name: 'a', dtype: 'F32', shape: [2], data: new Uint8Array(a.buffer) },
        { name: 'b', dtype: 'I64', shape: [3], data: new Uint8Array(b.buffer) },
        { name: 'c', dtype: 'F16', shape: [1, 1], data: new Uint8Array(c.buffer) },
      ],
      { who: 'test' },
    );
    const bytes = readFileSync(file);
    const n = Number(bytes.readBigUInt64LE(0));
    expect(n % 8).toBe(0);
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
    expect(header).toEqual({
      __metadata__: { who: 'test' },
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      b: { dtype: 'I64', shape: [3], data_offsets: [8, 32] },
      c: { dtype: 'F16', shape: [1, 1], data_offsets: [32, 34] },
    });
    expect(bytes.length).toBe(8 + n + 34);
    expect(bytes.readFloatLE(8 + n)).toBe(1.5);
    expect(bytes.readBigInt64LE(8 + n + 8 + 16)).toBe(7n);
    const back = await readSafetensors(file);
    expect(Array.from(back.tensors.a!.data as Float32Array)).toEqual([1.5, -2]);
    expect(Array.from(back.tensors.b!.data as BigInt64Array)).toEqual([0n, 3n, 7n]);
    expect(back.tensors.c!.shape).toEqual([1, 1]);
  });

  it('refuse truncated files, bad headers and mismatched sizes', async () => {
    const dir = tempDir('st-bad');
    const file = join(dir, 'y.safetensors');
    await writeSafetensors(file, [{ name: 'k', dtype: 'U8', shape: [4], data: new Uint8Array([1, 2, 3, 4]) }]);
    const good = readFileSync(file);
    writeFileSync(join(dir, 'short.safetensors'), good.subarray(0, good.length - 1));
    await expect(readSafetensors(join(dir, 'short.safetensors'))).rejects.toThrow(/truncated/);
    const badJson = Buffer.from(good);
    badJson[9] = 0x7b; // '{' inside the JSON
    writeFileSync(join(dir, 'json.safetensors'), badJson);
    await expect(readSafetensors(join(dir, 'json.safetensors'))).rejects.toThrow(/not JSON/);
    await expect(writeSafetensors(join(dir, 'z.safetensors'), [{ name: 'k', dtype: 'F32', shape: [2], data: new Uint8Array(4) }])).rejects.toThrow(/expected 8/);
  });
});
