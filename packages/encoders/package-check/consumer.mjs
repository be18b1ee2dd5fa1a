// ESM consumer: the built-in encoders and the feature cache, with nothing else installed (no
// model download; @huggingface/transformers is only loaded for hf: specs, the optional
// TensorFlow.js peers only for tfjs: specs — without them a tfjs: spec says what to install).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createImageEncoder, createTextEncoder, extractFeatures, FeatureCache, MmauxEncoderError, textKey } from '@mmaux/encoders';

const text = await createTextEncoder('builtin:text-hash', { dim: 64 });
const image = await createImageEncoder('builtin:image-patches');
const f = await text.encode(['I love this #sunnyday', 'worst commute ever']);
if (f.shape.n !== 2 || f.shape.dim !== 64) throw new Error(`ESM: text shape ${JSON.stringify(f.shape)}`);
const red = { data: new Uint8Array(8 * 8 * 3).map((_, i) => (i % 3 === 0 ? 255 : 0)), width: 8, height: 8, channels: 3 };
const g = await image.encode([red]);
if (g.shape.patches !== 36 || g.shape.dim !== 40) throw new Error(`ESM: image shape ${JSON.stringify(g.shape)}`);

const dir = mkdtempSync(join(tmpdir(), 'mmaux-encoders-esm-'));
try {
  const cache = new FeatureCache(dir, { dtype: 'float16' });
  const posts = [{ id: '1', text: 'hello', imagePath: null }, { id: '2', text: 'bye', imagePath: null }];
  const first = await extractFeatures(posts, { text, image }, cache);
  const again = await extractFeatures(posts, { text, image }, cache);
  if (first.text.computed !== 2 || again.text.cached !== 2 || again.text.computed !== 0) throw new Error('ESM: the cache did not hit');
  const back = await cache.read(text, [textKey('hello')]);
  if (back.shape.n !== 1) throw new Error('ESM: cache read failed');
  try {
    await createTextEncoder('bert-base-uncased');
    throw new Error('ESM: a spec without prefix did not throw');
  } catch (e) {
    if (!(e instanceof MmauxEncoderError) || e.code !== 'INVALID_SPEC') throw e;
  }
  writeFileSync(join(dir, 'model.json'), JSON.stringify({ format: 'graph-model', modelTopology: { node: [] }, weightsManifest: [] }));
  try {
    await createImageEncoder(`tfjs:${join(dir, 'model.json')}`);
    throw new Error('ESM: a tfjs: spec without @tensorflow/tfjs-core installed did not throw');
  } catch (e) {
    if (!(e instanceof MmauxEncoderError) || e.code !== 'MISSING_DEPENDENCY' || !e.message.includes('npm install @tensorflow/tfjs-core')) throw e;
  }
  console.log(`ESM import: ${text.id}, ${image.id}; ${first.sizeLine.split(' (')[0]}; tfjs: without its peers → MISSING_DEPENDENCY`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
