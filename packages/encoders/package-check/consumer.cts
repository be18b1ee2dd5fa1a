// Type-checked against the CommonJS declaration file (dist/index.d.cts).
import encoders = require('@mmaux/encoders');

const enc: encoders.TextFeatureEncoder = encoders.createTextHashEncoder({ dim: 8 });
const key: string = encoders.textKey('hello');
const grid: encoders.PatchGrid = encoders.poolPatchGrid(new Float32Array(4), { rows: 2, cols: 2, prefixTokens: 0 }, 1, { rows: 1, cols: 1 }).grid;
// @ts-expect-error store is 'tokens' | 'pooled'
new encoders.FeatureCache('/tmp/c', { store: 'all' });
export = { enc, key, grid };
