// loadHfEncoderWeights: dtypes, selective reads, shards, where it looks, downloads (through a
// fetch that serves a local folder: no test reaches the network), offline and corrupt-file errors.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { float32ToFloat16, loadHfEncoderWeights } from '../src/index.js';
import { rejectsWithCode, tempDir } from './helpers/util.js';

type Entry = { name: string; dtype: string; shape: number[]; data: Uint8Array };

/** A safetensors file of any dtypes (the package's writer covers F32/F16/I64/U8 only). */
function safetensorsBytes(entries: Entry[]): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const e of entries) {
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + e.data.length] };
    offset += e.data.length;
  }
  let text = JSON.stringify(header);
  text += ' '.repeat((8 - (text.length % 8)) % 8);
  const out = new Uint8Array(8 + text.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(new TextEncoder().encode(text), 8);
  let at = 8 + text.length;
  for (const e of entries) {
    out.set(e.data, at);
    at += e.data.length;
  }
  return out;
}

const VALUES = [1, -2.5, 0.1, 3.14159, 1e-3, -65504, 0, 7];
const f32 = (v: number[]) => new Uint8Array(new Float32Array(v).buffer);
const bf16 = (v: number[]) => {
  // truncate to the top 16 bits after round-to-nearest-even, as torch does
  const bits = new Uint32Array(new Float32Array(v).buffer);
  const out = new Uint16Array(v.length);
  bits.forEach((b, i) => (out[i] = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16));
  return new Uint8Array(out.buffer);
};

function modelFolder(dir: string, entries: Entry[], config: Record<string, unknown> = { model_type: 'bert', hidden_size: 4 }): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  writeFileSync(join(dir, 'model.safetensors'), safetensorsBytes(entries));
  return dir;
}

describe('loadHfEncoderWeights', () => {
  it('converts F32, F16, BF16 and F64 to float32; lists the tensors it cannot convert; reads only what include selects', async () => {
    const dir = modelFolder(join(tempDir('w'), 'm'), [
      { name: 'a.f32', dtype: 'F32', shape: [2, 4], data: f32(VALUES) },
      { name: 'a.f16', dtype: 'F16', shape: [8], data: new Uint8Array(float32ToFloat16(new Float32Array(VALUES)).buffer) },
      { name: 'a.bf16', dtype: 'BF16', shape: [4, 2], data: bf16(VALUES) },
      { name: 'a.f64', dtype: 'F64', shape: [8], data: new Uint8Array(new Float64Array(VALUES).buffer) },
      { name: 'ids', dtype: 'I64', shape: [2], data: new Uint8Array(16) },
    ]);
    const all = await loadHfEncoderWeights(`hf:${dir}`);
    expect(all.config).toEqual({ model_type: 'bert', hidden_size: 4 });
    expect(all.folder).toBe(dir);
    expect(all.files).toEqual(['model.safetensors']);
    expect(all.skipped).toEqual(['ids']);
    expect([...all.weights.keys()]).toEqual(['a.f32', 'a.f16', 'a.bf16', 'a.f64']);
    expect(all.weights.get('a.f32')).toEqual({ shape: [2, 4], data: new Float32Array(VALUES), dtype: 'F32' });
    expect(all.weights.get('a.bf16')!.shape).toEqual([4, 2]);
    VALUES.forEach((v, i) => {
      // half precision: 11 significant bits; bfloat16: 8
      expect(Math.abs(all.weights.get('a.f16')!.data[i]! - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11);
      expect(Math.abs(all.weights.get('a.bf16')!.data[i]! - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -8);
      expect(all.weights.get('a.f64')!.data[i]).toBe(Math.fround(v));
    });
    expect(Array.from(all.weights.get('a.bf16')!.data.slice(0, 2))).toEqual([1, -2.5]); // exact in bfloat16
    const some = await loadHfEncoderWeights(dir, { include: (name) => name.endsWith('bf16') });
    expect([...some.weights.keys()]).toEqual(['a.bf16']);
  });

  it('reads the shards of model.safetensors.index.json; a missing shard is named', async () => {
    const dir = join(tempDir('shards'), 'm');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'config.json'), '{"model_type":"roberta"}');
    writeFileSync(join(dir, 'model-00001-of-00002.safetensors'), safetensorsBytes([{ name: 'x', dtype: 'F32', shape: [2], data: f32([1, 2]) }]));
    writeFileSync(join(dir, 'model-00002-of-00002.safetensors'), safetensorsBytes([{ name: 'y', dtype: 'F32', shape: [1], data: f32([3]) }]));
    writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { x: 'model-00001-of-00002.safetensors', y: 'model-00002-of-00002.safetensors' } }));
    const loaded = await loadHfEncoderWeights(dir);
    expect(loaded.files).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
    expect(Object.fromEntries([...loaded.weights].map(([k, v]) => [k, Array.from(v.data)]))).toEqual({ x: [1, 2], y: [3] });
    writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { x: 'model-00001-of-00002.safetensors', z: 'model-00003-of-00003.safetensors' } }));
    const err = await rejectsWithCode(loadHfEncoderWeights(dir), 'MODEL_NOT_FOUND');
    expect(err.message).toContain(join(dir, 'model-00003-of-00003.safetensors'));
  });

  it('finds a hub id under localModelPath, then in the cache (per revision); offline, names every folder and what is missing', async () => {
    const root = tempDir('hub');
    const local = join(root, 'models');
    const cache = join(root, 'cache');
    const entry = [{ name: 'w', dtype: 'F32', shape: [1], data: f32([5]) }];
    modelFolder(join(local, 'org', 'local-model'), entry);
    modelFolder(join(cache, 'org', 'cached-model'), entry);
    modelFolder(join(cache, 'org', 'cached-model', 'v2'), [{ name: 'w', dtype: 'F32', shape: [1], data: f32([6]) }]);
    const opts = { localModelPath: local, cacheDir: cache, allowRemote: false };
    expect((await loadHfEncoderWeights('hf:org/local-model', opts)).folder).toBe(join(local, 'org', 'local-model'));
    expect(Array.from((await loadHfEncoderWeights('hf:org/cached-model', opts)).weights.get('w')!.data)).toEqual([5]);
    expect(Array.from((await loadHfEncoderWeights('hf:org/cached-model', { ...opts, revision: 'v2' })).weights.get('w')!.data)).toEqual([6]);
    // an ONNX conversion: config.json and onnx/, no PyTorch weights
    mkdirSync(join(local, 'Xenova', 'bert', 'onnx'), { recursive: true });
    writeFileSync(join(local, 'Xenova', 'bert', 'config.json'), '{}');
    const err = await rejectsWithCode(loadHfEncoderWeights('hf:Xenova/bert', opts), 'MODEL_NOT_FOUND');
    expect(err.message).toContain(`${join(local, 'Xenova', 'bert', 'model.safetensors')} does not exist (the folder has onnx`);
    expect(err.message).toContain(`${join(cache, 'Xenova', 'bert', 'config.json')} does not exist`);
    expect(err.message).toContain('downloads are off (allowRemote: false)');
    expect(err.message).toContain('huggingface-cli download');
    const missing = await rejectsWithCode(loadHfEncoderWeights(`hf:${join(root, 'nowhere')}`), 'MODEL_NOT_FOUND');
    expect(missing.message).toContain(`${join(root, 'nowhere', 'config.json')} does not exist`);
    await rejectsWithCode(loadHfEncoderWeights('hf: '), 'INVALID_SPEC');
  });

  it('downloads config.json and the weights into the cache atomically, with progress, and reuses them', async () => {
    const root = tempDir('dl');
    const source = modelFolder(join(root, 'served'), [{ name: 'w', dtype: 'F32', shape: [3], data: f32([1, 2, 3]) }]);
    const requests: string[] = [];
    const fetch = async (url: string) => {
      requests.push(url);
      const m = /^https:\/\/huggingface\.co\/org\/remote\/resolve\/(main|v%2F1)\/(.+)$/.exec(url);
      if (!m || !existsSync(join(source, m[2]!))) return new Response('not found', { status: 404, statusText: 'Not Found' });
      const body = readFileSync(join(source, m[2]!));
      return new Response(body, { status: 200, headers: { 'content-length': String(body.length) } });
    };
    const progress: Array<[string, number]> = [];
    const cache = join(root, 'cache');
    const opts = { localModelPath: join(root, 'models'), cacheDir: cache, allowRemote: true, fetch, onProgress: (p: { file: string; loaded: number }) => progress.push([p.file, p.loaded]) };
    const loaded = await loadHfEncoderWeights('hf:org/remote', opts);
    expect(requests).toEqual(['https://huggingface.co/org/remote/resolve/main/config.json', 'https://huggingface.co/org/remote/resolve/main/model.safetensors']);
    expect(loaded.folder).toBe(join(cache, 'org', 'remote'));
    expect(Array.from(loaded.weights.get('w')!.data)).toEqual([1, 2, 3]);
    expect(readdirSync(loaded.folder).sort()).toEqual(['config.json', 'model.safetensors']); // no temporary files
    expect(progress.at(-1)).toEqual(['model.safetensors', readFileSync(join(source, 'model.safetensors')).length]);
    await loadHfEncoderWeights('hf:org/remote', opts);
    expect(requests.length).toBe(2); // the second load reads the cache
    // another revision: its own cache folder, the revision escaped in the URL
    await loadHfEncoderWeights('hf:org/remote', { ...opts, revision: 'v/1' });
    expect(requests.at(-1)).toBe('https://huggingface.co/org/remote/resolve/v%2F1/model.safetensors');
    expect(existsSync(join(cache, 'org', 'remote', 'v', '1', 'model.safetensors'))).toBe(true);
  });

  it('falls back to the sharded index on the hub; a cut download leaves nothing behind; HTTP errors are explained', async () => {
    const root = tempDir('dl2');
    const shard = safetensorsBytes([{ name: 'w', dtype: 'F32', shape: [1], data: f32([9]) }]);
    const files: Record<string, Uint8Array | string> = {
      'config.json': '{"model_type":"bert"}',
      'model.safetensors.index.json': JSON.stringify({ weight_map: { w: 'model-00001-of-00001.safetensors' } }),
      'model-00001-of-00001.safetensors': shard,
    };
    const serve = (cut: boolean) => async (url: string) => {
      const file = url.split('/resolve/main/')[1]!;
      const body = files[file];
      if (body === undefined) return new Response('', { status: 404 });
      const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
      // a connection that drops: content-length says more than arrives
      return new Response(cut ? bytes.slice(0, 5) : bytes, { headers: { 'content-length': String(bytes.length) } });
    };
    const opts = (cache: string, cut = false) => ({ localModelPath: join(root, 'none'), cacheDir: cache, allowRemote: true, fetch: serve(cut) });
    const loaded = await loadHfEncoderWeights('hf:org/sharded', opts(join(root, 'c1')));
    expect(loaded.files).toEqual(['model-00001-of-00001.safetensors']);
    expect(Array.from(loaded.weights.get('w')!.data)).toEqual([9]);
    const cut = await rejectsWithCode(loadHfEncoderWeights('hf:org/sharded', opts(join(root, 'c2'), true)), 'MODEL_NOT_FOUND');
    expect(cut.message).toMatch(/stopped at 5 of \d+ bytes/);
    expect(existsSync(join(root, 'c2', 'org', 'sharded')) ? readdirSync(join(root, 'c2', 'org', 'sharded')) : []).toEqual([]);
    const denied = async () => new Response('', { status: 401, statusText: 'Unauthorized' });
    const gated = await rejectsWithCode(loadHfEncoderWeights('hf:org/gated', { ...opts(join(root, 'c3')), fetch: denied }), 'MODEL_NOT_FOUND');
    expect(gated.message).toContain('HF_TOKEN');
    const offline = async () => {
      throw new TypeError('fetch failed');
    };
    const down = await rejectsWithCode(loadHfEncoderWeights('hf:org/any', { ...opts(join(root, 'c4')), fetch: offline }), 'MODEL_NOT_FOUND');
    expect(down.message).toMatch(/cannot reach https:\/\/huggingface\.co\/org\/any\/resolve\/main\/config\.json \(fetch failed\)/);
  });

  it('a truncated or malformed file is MODEL_LOAD_FAILED, naming the file and the tensor', async () => {
    const root = tempDir('bad');
    const dir = modelFolder(join(root, 'm'), [{ name: 'big', dtype: 'F32', shape: [4], data: f32([1, 2, 3, 4]) }]);
    const bytes = readFileSync(join(dir, 'model.safetensors'));
    writeFileSync(join(dir, 'model.safetensors'), bytes.subarray(0, bytes.length - 4));
    const err = await rejectsWithCode(loadHfEncoderWeights(dir), 'MODEL_LOAD_FAILED');
    expect(err.message).toContain(join(dir, 'model.safetensors'));
    expect(err.message).toContain('tensor big (F32[4]) lies outside the file');
    writeFileSync(join(dir, 'model.safetensors'), new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0, 0]));
    await rejectsWithCode(loadHfEncoderWeights(dir), 'MODEL_LOAD_FAILED');
    writeFileSync(join(dir, 'config.json'), '{ not json');
    const cfg = await rejectsWithCode(loadHfEncoderWeights(dir), 'MODEL_LOAD_FAILED');
    expect(cfg.message).toContain(`${join(dir, 'config.json')} is not JSON`);
  });
});
