// Where a fine-tuning step's time goes (issue 13): tf.profile of one whole training step of the
// concat model over the top k BERT-base layers (batch 16, realistic tweet lengths padded to the
// longest, 63; CE + ITC + ITM; AdamW with the encoder at 1e-5), kernels grouped by name with
// their total ms, calls and share, after warm-up steps. Prints figures; asserts nothing.
//
//   npx tsx bench/text-layers-profile.ts            # k = 1, the trainer's thread count
// Env: BENCH_K (1; a number or 'all'), BENCH_KIND (concat), BENCH_MMAUX_THREADS (wasm threads),
// BENCH_WARMUP (2), BENCH_TOP (25 kernels shown).
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { balancedClassWeights, createRng } from '@mmaux/losses';
import {
  AdamW,
  createFusionModel,
  createTrainStep,
  type FusionKind,
  preferredWasmThreads,
  selectBackend,
  TextEncoderLayers,
  textLayerParamGroups,
  textLayersConfigFromHf,
  type TrainableTextLayers,
} from '../src/index.js';

const N = 16;
const rawK = process.env.BENCH_K ?? '1';
const K: TrainableTextLayers = rawK === 'all' ? 'all' : Number(rawK);
const KIND = (process.env.BENCH_KIND ?? 'concat') as FusionKind;
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const TOP = Number(process.env.BENCH_TOP ?? 25);
const BERT_BASE = textLayersConfigFromHf({ model_type: 'bert' });

/** The same seeded lengths as pytorch-compare.ts's realistic layout (8–64 real tokens). */
function realisticLengths(): number[] {
  const rng = createRng(7);
  return Array.from({ length: N }, () => 8 + Math.floor(rng() * 57));
}

async function main(): Promise<void> {
  const threads = process.env.BENCH_MMAUX_THREADS ? Number(process.env.BENCH_MMAUX_THREADS) : preferredWasmThreads(KIND, { textLayers: K });
  const selection = await selectBackend('wasm', threads === undefined ? {} : { threads });
  const lengths = realisticLengths();
  const t = Math.max(...lengths);
  const maskValues = new Float32Array(N * t);
  lengths.forEach((len, i) => maskValues.fill(1, i * t, i * t + len));
  const mask = tf.tensor2d(maskValues, [N, t]);
  const rng = createRng(9);
  const text =
    K === 'all'
      ? { inputIds: tf.tensor2d(Int32Array.from(maskValues, (m) => (m === 1 ? 1000 + Math.floor(rng() * 29000) : 0)), [N, t], 'int32'), mask }
      : { hidden: tf.randomNormal([N, t, 768], 0, 1, 'float32', 11) as tf.Tensor3D, mask };
  const image = { patches: tf.randomNormal([N, 197, 768], 0, 1, 'float32', 13) as tf.Tensor3D, pooled: tf.randomNormal([N, 768], 0, 1, 'float32', 14) as tf.Tensor2D };
  const labels = Array.from({ length: N }, (_, i) => i % 3);
  const layers = new TextEncoderLayers(BERT_BASE, { trainableLayers: K, pooler: false, rng: createRng(5) });
  const model = createFusionModel(KIND, { textDim: 768, imageDim: 768, numClasses: 3, seed: 1, textLayers: layers });
  const optimizer = new AdamW({ learningRate: 1e-5, weightDecay: 2.5e-4, paramGroups: textLayerParamGroups(layers, { learningRate: 1e-5 }) });
  const trainer = createTrainStep(model, { optimizer, classWeights: balancedClassWeights(Array.from({ length: 1000 }, (_, i) => (i < 500 ? 0 : i < 800 ? 1 : 2)), 3), rng: createRng(2) });
  const batch = { text, image, labels };
  const times: number[] = [];
  for (let i = 0; i < WARMUP + 2; i++) {
    const t0 = performance.now();
    await trainer.step(batch);
    if (i >= WARMUP) times.push(performance.now() - t0);
  }
  const t0 = performance.now();
  const profile = await tf.profile(async () => {
    await trainer.step(batch);
  });
  const profiledMs = performance.now() - t0;
  const byName = new Map<string, { ms: number; calls: number; shapes: Map<string, { ms: number; calls: number }> }>();
  let kernelMs = 0;
  for (const k of profile.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    kernelMs += ms;
    const entry = byName.get(k.name) ?? { ms: 0, calls: 0, shapes: new Map() };
    entry.ms += ms;
    entry.calls += 1;
    const shape = k.inputShapes.map((s) => `[${(s ?? []).join(',')}]`).join('·');
    const sh = entry.shapes.get(shape) ?? { ms: 0, calls: 0 };
    sh.ms += ms;
    sh.calls += 1;
    entry.shapes.set(shape, sh);
    byName.set(k.name, entry);
  }
  console.log(`concat-like '${KIND}' + BERT-base k = ${String(K)}, batch ${N} padded to ${t}; wasm threads ${selection.threads ?? '?'}; node ${process.version}, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`step ms (unprofiled): ${times.map((x) => x.toFixed(0)).join(', ')}; profiled step ${profiledMs.toFixed(0)} ms, kernels ${profile.kernels.length}, kernel time ${kernelMs.toFixed(0)} ms, peak ${(profile.peakBytes / 2 ** 20).toFixed(0)} MiB`);
  const rows = [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, TOP);
  for (const [name, e] of rows) {
    const shapes = [...e.shapes.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 3).map(([s, v]) => `${s} ×${v.calls} ${v.ms.toFixed(0)}ms`).join('; ');
    console.log(`${name.padEnd(22)} ${e.ms.toFixed(1).padStart(8)} ms ${String(e.calls).padStart(5)} calls ${((100 * e.ms) / kernelMs).toFixed(1).padStart(5)}%  ${shapes}`);
  }
  model.dispose();
  optimizer.dispose();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
