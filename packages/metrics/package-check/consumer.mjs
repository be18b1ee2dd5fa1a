// ESM consumer: import resolves the package's ESM build; no other package is installed.
import { classificationReport, MmauxMetricsError, pairedBootstrapTest } from '@mmaux/metrics';

const r = classificationReport([0, 0, 1, 1, 2], [0, 1, 1, 1, 0], { numClasses: 3 });
if (r.f1.weighted !== 0.52) throw new Error(`ESM: f1.weighted = ${r.f1.weighted}, expected 0.52`);
const t = pairedBootstrapTest([0, 1, 2], [0, 1, 2], [0, 1, 2], 'f1Macro', { seed: 1 });
if (t.pValue !== 1) throw new Error(`ESM: identical predictions gave p = ${t.pValue}, expected 1`);
try {
  classificationReport([0, 1], [0, 2], { numClasses: 2 });
  throw new Error('ESM: an out-of-range prediction did not throw');
} catch (e) {
  if (!(e instanceof MmauxMetricsError) || e.code !== 'INVALID_LABEL') throw e;
}
console.log(`ESM import: accuracy = ${r.accuracy}, macro-F1 = ${r.f1.macro.toFixed(4)}`);
