// CJS consumer: require() resolves the package's CommonJS build.
const { createTextHashEncoder, fnv1a32, float16ToFloat32, float32ToFloat16, MmauxEncoderError, tweetTokens } = require('@mmaux/encoders');

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
createTextHashEncoder({ dim: 16 })
  .encode(['good morning'])
  .then((f) => console.log(`CJS require: tokens ${JSON.stringify(f.shape)}`));
