// CJS consumer: require() resolves the package's CommonJS build.
const { aggregateSeeds, approximateRandomizationTest, MmauxMetricsError } = require('@mmaux/metrics');

const s = aggregateSeeds([2, 4, 6, 8]);
if (s.mean !== 5 || Math.abs(s.std - Math.sqrt(20 / 3)) > 1e-15) throw new Error(`CJS: aggregateSeeds gave ${JSON.stringify(s)}`);
const t = approximateRandomizationTest([0, 1, 1, 0], [0, 1, 1, 0], [0, 1, 1, 0], 'accuracy', { seed: 2 });
if (t.pValue !== 1) throw new Error(`CJS: identical predictions gave p = ${t.pValue}, expected 1`);
try {
  aggregateSeeds([]);
  throw new Error('CJS: empty input did not throw');
} catch (e) {
  if (!(e instanceof MmauxMetricsError) || e.code !== 'EMPTY_INPUT') throw e;
}
console.log(`CJS require: mean = ${s.mean}, std = ${s.std.toFixed(4)}`);
