import '@tensorflow/tfjs-backend-cpu';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createImageEncoder, createTextEncoder, MmauxEncoderError, parseEncoderSpec } from '../src/index.js';
import { loadTfjsCore, loadTfjsConverter } from '../src/tfjs/tfjs-runtime.js';
import { seededImage } from './helpers/tfjs-model-files.js';
import { graphIdsTextFiles, graphImageFiles, writeLayersImageModel, writeModelFiles } from './helpers/tfjs-models.js';
import { maxAbsDiff, rejectsWithCode, tempDir } from './helpers/util.js';

const dir = tempDir('tfjs-loading');
const images = [seededImage(6, 6, 1), seededImage(12, 9, 2)];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A fetch that serves the files of `root` at https://models.example/… (no network). */
function folderFetch(root: string, log: string[] = []): typeof fetch {
  return (async (input: string | URL | Request) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    log.push(url.pathname);
    try {
      const body = readFileSync(join(root, decodeURIComponent(url.pathname)));
      return new Response(body, { status: 200, headers: { 'content-type': url.pathname.endsWith('.json') ? 'application/json' : 'application/octet-stream' } });
    } catch {
      return new Response('not found', { status: 404, statusText: 'Not Found' });
    }
  }) as typeof fetch;
}

describe('tfjs: spec parsing', () => {
  it('splits the model location and the #node (the last #)', () => {
    expect(parseEncoderSpec('tfjs:./m/model.json')).toEqual({ source: 'tfjs', name: './m/model.json' });
    expect(parseEncoderSpec('tfjs:https://h.example/a#b/model.json#block_5/Relu:0')).toEqual({ source: 'tfjs', name: 'https://h.example/a#b/model.json', node: 'block_5/Relu:0' });
  });

  it('refuses an empty model or node, naming the spec', async () => {
    for (const spec of ['tfjs:', 'tfjs:#pool', 'tfjs:./m/model.json#']) {
      const e = await rejectsWithCode(createImageEncoder(spec), 'INVALID_SPEC');
      expect(e.message).toContain(JSON.stringify(spec));
    }
    const e = await rejectsWithCode(createImageEncoder('tfjs:indexeddb://my-model'), 'INVALID_SPEC');
    expect(e.message).toMatch(/indexeddb:\/\/.*not supported under Node/);
    expect((await rejectsWithCode(createImageEncoder('tfjsx:./m'), 'INVALID_SPEC')).message).toContain("'tfjs:<model.json path, folder or URL>[#node]'");
  });
});

describe('tfjs: loading from a folder', () => {
  it('a folder, its model.json and a file:// URL load the same model; several shards read as one', async () => {
    const one = writeModelFiles(join(dir, 'one'), graphImageFiles());
    const three = writeModelFiles(join(dir, 'three'), graphImageFiles(), 3);
    expect(readFileSync(three, 'utf8')).toContain('group1-shard3of3.bin');
    const a = await createImageEncoder(`tfjs:${one}`);
    const b = await createImageEncoder(`tfjs:${join(dir, 'three')}`);
    const c = await createImageEncoder(`tfjs:file://${three}`);
    const rel = await createImageEncoder(`tfjs:./${relative(process.cwd(), three)}`);
    const fa = await a.encode(images);
    for (const enc of [b, c, rel]) {
      const f = await enc.encode(images);
      expect(maxAbsDiff(f.patches, fa.patches)).toBe(0);
      expect(maxAbsDiff(f.pooled, fa.pooled)).toBe(0);
    }
    // same content → same files= fingerprint (the folder name is only a label)
    const files = (id: string) => /files=([0-9a-f]{16})/.exec(id)![1];
    expect(new Set([a, b, c, rel].map((e) => files(e.id))).size).toBe(1);
    await Promise.all([a, b, c, rel].map((e) => e.dispose()));
  });

  it('the id follows the file contents: a copied folder keeps it, one changed weight byte or topology value changes it', async () => {
    const path = writeModelFiles(join(dir, 'orig'), graphImageFiles());
    cpSync(join(dir, 'orig'), join(dir, 'copy'), { recursive: true });
    const orig = await createImageEncoder(`tfjs:${path}`);
    const copy = await createImageEncoder(`tfjs:${join(dir, 'copy', 'model.json')}`);
    expect(copy.id.replace('tfjs:copy', 'tfjs:orig')).toBe(orig.id);

    const shard = join(dir, 'copy', 'group1-shard1of1.bin');
    const bytes = readFileSync(shard);
    bytes[5] = bytes[5]! ^ 0x40; // a bit of conv/w[1]
    writeFileSync(shard, bytes);
    const changed = await createImageEncoder(`tfjs:${join(dir, 'copy')}`);
    expect(changed.id).not.toBe(copy.id);
    expect(changed.id.split(';files=')[1]).not.toBe(orig.id.split(';files=')[1]);
    const [f0, f1] = [await orig.encode(images), await changed.encode(images)];
    expect(maxAbsDiff(f0.pooled, f1.pooled)).toBeGreaterThan(0);

    const json = JSON.parse(readFileSync(path, 'utf8'));
    const relu = json.modelTopology.node.find((n: { name: string }) => n.name === 'features');
    relu.op = 'Relu6';
    writeFileSync(join(dir, 'copy', 'model.json'), JSON.stringify(json));
    writeFileSync(shard, readFileSync(join(dir, 'orig', 'group1-shard1of1.bin')));
    const relu6 = await createImageEncoder(`tfjs:${join(dir, 'copy')}`);
    expect(relu6.id).not.toBe(copy.id);
    await Promise.all([orig, copy, changed, relu6].map((e) => e.dispose()));
  });

  it('the id changes with the node and the preprocessing, not with batch size', async () => {
    const path = writeModelFiles(join(dir, 'opts'), graphImageFiles());
    const ids = new Set<string>();
    for (const [spec, options] of [
      [`tfjs:${path}`, {}],
      [`tfjs:${path}`, { batchSize: 1 }],
      [`tfjs:${path}#features`, {}],
      [`tfjs:${path}`, { range: [-1, 1] as const }],
      [`tfjs:${path}`, { mean: [0.485, 0.456, 0.406] as const, std: [0.229, 0.224, 0.225] as const }],
      [`tfjs:${path}`, { resize: 'center-crop' as const }],
    ] as const) {
      const enc = await createImageEncoder(spec, options);
      ids.add(enc.id);
      await enc.dispose();
    }
    expect(ids.size).toBe(5);
  });

  it('missing model.json, missing or truncated shard, bad JSON, a shard outside the folder: errors name the file', async () => {
    const e1 = await rejectsWithCode(createImageEncoder(`tfjs:${join(dir, 'nothing-here')}`), 'MODEL_NOT_FOUND');
    expect(e1.message).toContain(join(dir, 'nothing-here', 'model.json'));
    expect(e1.message).toContain('tensorflowjs_converter');

    const path = writeModelFiles(join(dir, 'broken'), graphImageFiles(), 2);
    const shard2 = join(dir, 'broken', 'group1-shard2of2.bin');
    const full = readFileSync(shard2);
    writeFileSync(shard2, full.subarray(0, full.length - 3));
    const e2 = await rejectsWithCode(createImageEncoder(`tfjs:${path}`), 'MODEL_LOAD_FAILED');
    expect(e2.message).toMatch(/truncated: its manifest describes 556 bytes \(5 tensors\) but .*group1-shard1of2\.bin, .*group1-shard2of2\.bin hold 553/);

    rmSync(shard2);
    const e3 = await rejectsWithCode(createImageEncoder(`tfjs:${path}`), 'MODEL_NOT_FOUND');
    expect(e3.message).toContain(`the weight file ${shard2} listed in ${path}`);

    writeFileSync(join(dir, 'broken', 'model.json'), '{"modelTopology": {"node": [');
    const e4 = await rejectsWithCode(createImageEncoder(`tfjs:${path}`), 'MODEL_LOAD_FAILED');
    expect(e4.message).toContain(`${path} (from "tfjs:${path}") is not valid JSON`);

    writeFileSync(join(dir, 'broken', 'model.json'), JSON.stringify({ modelTopology: { node: [] }, weightsManifest: [{ paths: ['../../etc/passwd'], weights: [] }] }));
    const e5 = await rejectsWithCode(createImageEncoder(`tfjs:${path}`), 'MODEL_LOAD_FAILED');
    expect(e5.message).toContain('names the weight file "../../etc/passwd", which is outside its folder');

    writeFileSync(join(dir, 'broken', 'model.json'), JSON.stringify({ format: 'layers-model', weightsManifest: [] }));
    expect((await rejectsWithCode(createImageEncoder(`tfjs:${path}`), 'MODEL_LOAD_FAILED')).message).toContain('has no "modelTopology"');
  });

  it('an unknown #node is UNKNOWN_NODE, listing the nodes near the output and the default', async () => {
    const path = writeModelFiles(join(dir, 'nodes'), graphImageFiles());
    const e = await rejectsWithCode(createImageEncoder(`tfjs:${path}#pool2`), 'UNKNOWN_NODE');
    expect(e.message).toContain('asks for the node "pool2", which the graph model does not have');
    expect(e.message).toContain('pool (Mean)');
    expect(e.message).toContain('leave out #… for the default (pool)');
    const { model, path: layersPath } = await writeLayersImageModel(join(dir, 'nodes-layers'));
    model.dispose();
    const e2 = await rejectsWithCode(createImageEncoder(`tfjs:${layersPath}#global_pool`), 'UNKNOWN_NODE');
    expect(e2.message).toContain('asks for the layer "global_pool"');
    expect(e2.message).toContain('gap (GlobalAveragePooling2D), logits (Dense), probs (Softmax)');
  });

  it('models that do not fit: a text model as an image encoder, NCHW input, a size the model does not take, an unknown layer', async () => {
    const text = writeModelFiles(join(dir, 'text-as-image'), graphIdsTextFiles());
    const e1 = await rejectsWithCode(createImageEncoder(`tfjs:${text}`), 'UNSUPPORTED_MODEL');
    expect(e1.message).toMatch(/has 2 inputs \(input_ids int32\[-1, 8\], attention_mask int32\[-1, 8\]\)/);

    const files = graphImageFiles();
    const nchw = { ...files, modelTopology: structuredClone(files.modelTopology), signature: structuredClone(files.signature) } as typeof files & { modelTopology: any; signature: any };
    nchw.modelTopology.node[0].attr.shape.shape.dim = [-1, 3, 6, 6].map((s) => ({ size: String(s) }));
    nchw.signature.inputs.x.tensorShape.dim = [-1, 3, 6, 6].map((s) => ({ size: String(s) }));
    const e2 = await rejectsWithCode(createImageEncoder(`tfjs:${writeModelFiles(join(dir, 'nchw'), nchw)}`), 'UNSUPPORTED_MODEL');
    expect(e2.message).toContain('channels-first (NCHW)');

    const fixed = writeModelFiles(join(dir, 'fixed'), files);
    const e3 = await rejectsWithCode(createImageEncoder(`tfjs:${fixed}`, { size: 224 }), 'INVALID_OPTION');
    expect(e3.message).toContain('size 224 was asked for, but the input of');
    expect(e3.message).toContain('is fixed at 6×6');

    const { model, path } = await writeLayersImageModel(join(dir, 'custom-layer'));
    model.dispose();
    const json = readFileSync(path, 'utf8').replace('"class_name":"GlobalAveragePooling2D"', '"class_name":"MyPooling"');
    writeFileSync(path, json);
    const e4 = await rejectsWithCode(createImageEncoder(`tfjs:${path}`), 'MODEL_LOAD_FAILED');
    expect(e4.message).toContain('MyPooling');
    expect(e4.message).toContain('tf.serialization.registerClass');
  });
});

describe('tfjs: loading from a URL (a fetch serving a folder; no network)', () => {
  it('loads with tfjs http loader and gets the same features and fingerprint as the folder', async () => {
    const path = writeModelFiles(join(dir, 'served', 'm'), graphImageFiles(), 2);
    const log: string[] = [];
    const remote = await createImageEncoder('tfjs:https://models.example/m/model.json', { fetchFunc: folderFetch(join(dir, 'served'), log) });
    expect(log).toEqual(['/m/model.json', '/m/group1-shard1of2.bin', '/m/group1-shard2of2.bin']);
    const local = await createImageEncoder(`tfjs:${path}`);
    expect(remote.id).toMatch(/^tfjs:models\.example\/m\/model\.json;files=/);
    expect(remote.id.split(';files=')[1]).toBe(local.id.split(';files=')[1]);
    const [fr, fl] = [await remote.encode(images), await local.encode(images)];
    expect(maxAbsDiff(fr.patches, fl.patches)).toBe(0);
    await Promise.all([remote.dispose(), local.dispose()]);
    // a folder URL ending in / means its model.json
    const slash = await createImageEncoder('tfjs:https://models.example/m/', { fetchFunc: folderFetch(join(dir, 'served')) });
    expect(slash.id).toBe(remote.id);
    await slash.dispose();
  });

  it('allowRemote: false and an HTTP 404 are MODEL_NOT_FOUND naming the URL', async () => {
    const e1 = await rejectsWithCode(createImageEncoder('tfjs:https://models.example/m/model.json', { allowRemote: false }), 'MODEL_NOT_FOUND');
    expect(e1.message).toContain('is remote (https://models.example/m/model.json) but downloads are off');
    const e2 = await rejectsWithCode(createImageEncoder('tfjs:https://models.example/none/model.json', { fetchFunc: folderFetch(dir) }), 'MODEL_NOT_FOUND');
    expect(e2.message).toContain('cannot download the TensorFlow.js model https://models.example/none/model.json');
    expect(e2.message).toContain('404');
  });
});

describe('tfjs: optional peers', () => {
  const missing = (name: string) => {
    const err = new Error(`Cannot find package '${name}' imported from /x/index.js`) as Error & { code: string };
    err.code = 'ERR_MODULE_NOT_FOUND';
    return err;
  };

  it('a missing @tensorflow/tfjs-core or -converter says what to install', async () => {
    const e1 = await rejectsWithCode(loadTfjsCore('createImageEncoder', async (n) => Promise.reject(missing(n))), 'MISSING_DEPENDENCY');
    expect(e1.message).toContain("createImageEncoder: a 'tfjs:' encoder needs @tensorflow/tfjs-core, an optional peer dependency of @mmaux/encoders that is not installed");
    expect(e1.message).toContain('npm install @tensorflow/tfjs-core @tensorflow/tfjs-converter @tensorflow/tfjs-layers @tensorflow/tfjs-backend-cpu');
    const e2 = await rejectsWithCode(loadTfjsConverter('createTextEncoder', async (n) => Promise.reject(missing(n))), 'MISSING_DEPENDENCY');
    expect(e2.message).toContain('a TensorFlow.js graph model (model.json with format "graph-model") needs @tensorflow/tfjs-converter');
  });

  it('no registered backend says which to import', async () => {
    const fake = { tensor: () => null, engine: () => ({ registryFactory: {} }), ready: async () => {} };
    const e = await rejectsWithCode(loadTfjsCore('createImageEncoder', async () => fake), 'MISSING_DEPENDENCY');
    expect(e.message).toContain('no TensorFlow.js backend is registered');
    expect(e.message).toContain("import '@tensorflow/tfjs-backend-cpu'");
  });

  it('errors are MmauxEncoderError instances', async () => {
    await expect(createTextEncoder('tfjs:/no/such/model.json')).rejects.toBeInstanceOf(MmauxEncoderError);
  });
});
