// CJS consumer: require() resolves the package's CommonJS build.
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { createTextEncoder, createTextHashEncoder, createUnigramTokenizer, fnv1a32, float16ToFloat32, float32ToFloat16, MmauxEncoderError, tweetTokens } = require('@mmaux/encoders');

if (fnv1a32('a') !== 3826002220) throw new Error(`CJS: fnv1a32('a') = ${fnv1a32('a')}`);
const tokens = tweetTokens('@Bob loves #NewYork 🎉');
if (tokens.join(' ') !== '@user loves # new york 🎉') throw new Error(`CJS: tweetTokens gave ${JSON.stringify(tokens)}`);
const half = float16ToFloat32(float32ToFloat16(new Float32Array([0.1])));
if (Math.abs(half[0] - 0.1) > 0.1 * 2 ** -11) throw new Error(`CJS: float16 round trip gave ${half[0]}`);
try {
  createTextHashEncoder({ dim: 0 });
  throw new Error('CJS: dim 0 did not throw');
} catch (e) {
  if (!(e instanceof MmauxEncoderError) || e.code !== 'INVALID_OPTION') throw e;
}
const ids = createUnigramTokenizer([['▁good', -1], ['▁morning', -1]], { reservedSymbols: 0 }).encode('good morning');
if (ids.join() !== '0,1') throw new Error(`CJS: unigram tokenizer gave ${ids}`);

(async () => {
  const f = await createTextHashEncoder({ dim: 16 }).encode(['good morning']);
  // The optional TensorFlow.js peers are not installed here: a tfjs: spec loads them lazily and says what to install.
  const dir = mkdtempSync(join(tmpdir(), 'mmaux-encoders-cjs-'));
  try {
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ format: 'graph-model', modelTopology: { node: [] }, weightsManifest: [] }));
    let code = '';
    try {
      await createTextEncoder(`tfjs:${dir}`);
    } catch (e) {
      if (!(e instanceof MmauxEncoderError)) throw e;
      code = e.code;
    }
    if (code !== 'MISSING_DEPENDENCY') throw new Error(`CJS: a tfjs: spec without its peers gave ${code || 'no error'}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`CJS require: tokens ${JSON.stringify(f.shape)}; tfjs: without its peers → MISSING_DEPENDENCY`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
