/**
 * Benchmarks for @mmaux/metrics (run with `pnpm bench`, i.e. `tsx bench/metrics.bench.ts`).
 * Prints timings only; nothing here is asserted. Each figure is the median of several runs
 * after one warm-up run.
 */
import {
  approximateRandomizationTest,
  bootstrapInterval,
  classificationReport,
  createRng,
  pairedBootstrapTest,
} from '../src/index.js';

function data(n: number, numClasses: number, accuracy: number, seed: number): { labels: Int32Array; preds: Int32Array } {
  const rng = createRng(seed);
  const labels = new Int32Array(n);
  const preds = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = Math.floor(rng() * numClasses);
    labels[i] = y;
    preds[i] = rng() < accuracy ? y : (y + 1 + Math.floor(rng() * (numClasses - 1))) % numClasses;
  }
  return { labels, preds };
}

function time(runs: number, f: () => unknown): number {
  f(); // warm-up
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    f();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return ms[Math.floor(ms.length / 2)] as number;
}

function rate(count: number, ms: number): string {
  const perSecond = (count / ms) * 1000;
  return perSecond >= 1e6 ? `${(perSecond / 1e6).toFixed(1)} M/s` : `${(perSecond / 1e3).toFixed(1)} k/s`;
}

const rows: Array<[string, string, string]> = [];
function report(name: string, ms: number, throughput: string): void {
  rows.push([name, `${ms.toFixed(1)} ms`, throughput]);
  console.log(`${name.padEnd(58)} ${`${ms.toFixed(1)} ms`.padStart(10)}   ${throughput}`);
}

console.log(`@mmaux/metrics benchmarks (node ${process.version}, ${process.platform}/${process.arch})\n`);

for (const c of [3, 10]) {
  const { labels, preds } = data(1_000_000, c, 0.7, 1);
  const ms = time(5, () => classificationReport(labels, preds, { numClasses: c }));
  report(`classificationReport, 10^6 predictions, C = ${c} (Int32Array)`, ms, `${rate(1e6, ms)} predictions`);
}
{
  const { labels, preds } = data(1_000_000, 3, 0.7, 1);
  const yl = Array.from(labels);
  const pl = Array.from(preds);
  const ms = time(5, () => classificationReport(yl, pl, { numClasses: 3 }));
  report('classificationReport, 10^6 predictions, C = 3 (number[])', ms, `${rate(1e6, ms)} predictions`);
}

{
  const { labels, preds } = data(5_000, 3, 0.7, 2);
  const ms = time(3, () => bootstrapInterval(labels, preds, 'f1Macro', { seed: 1, samples: 10_000, numClasses: 3 }));
  report('bootstrapInterval f1Macro, 10,000 resamples of 5,000', ms, `${rate(10_000, ms)} resamples`);
  const msFn = time(1, () =>
    bootstrapInterval(labels, preds, (y, p) => p.reduce((a, v, i) => a + (v === y[i] ? 1 : 0), 0) / p.length, {
      seed: 1,
      samples: 10_000,
    }),
  );
  report('bootstrapInterval (metric function), 10,000 of 5,000', msFn, `${rate(10_000, msFn)} resamples`);
  const other = data(5_000, 3, 0.72, 3).preds;
  const msPb = time(3, () => pairedBootstrapTest(labels, other, preds, 'f1Macro', { seed: 1, samples: 10_000, numClasses: 3 }));
  report('pairedBootstrapTest f1Macro, 10,000 resamples of 5,000', msPb, `${rate(10_000, msPb)} resamples`);
  const msAr = time(3, () => approximateRandomizationTest(labels, other, preds, 'f1Macro', { seed: 1, samples: 10_000, numClasses: 3 }));
  report('approximateRandomizationTest f1Macro, 10,000 of 5,000 (+ CI)', msAr, `${rate(10_000, msAr)} shuffles`);
}

console.log('\n| benchmark | median | throughput |\n| --- | ---: | ---: |');
for (const [name, ms, thr] of rows) console.log(`| ${name} | ${ms} | ${thr} |`);
