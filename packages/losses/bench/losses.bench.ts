// pnpm bench: forward + backward time of itcLoss and sigmoidContrastiveLoss for N ∈ {32, 256,
// 1024}, D = 512, on wasm and cpu, with the achieved GFLOP/s next to a plain matmul of the same
// size on the same backend. Prints figures; asserts nothing.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { itcLoss, sigmoidContrastiveLoss } from '../src/index.js';

const D = 512;
const SIZES = [32, 256, 1024];
const BACKENDS = (process.env.BENCH_BACKENDS ?? 'wasm,cpu').split(',');
const MIN_SECONDS = Number(process.env.BENCH_SECONDS ?? 1);

/** Mean seconds per call: one warm-up, then repeats until MIN_SECONDS have passed (≥ 2 runs). */
function time(fn: () => tf.Tensor | tf.Tensor[]): number {
  tf.dispose(fn());
  let runs = 0;
  const start = performance.now();
  while (runs < 2 || performance.now() - start < MIN_SECONDS * 1000) {
    const out = fn();
    (Array.isArray(out) ? out : [out]).forEach((t) => t.dataSync());
    tf.dispose(out);
    runs++;
  }
  return (performance.now() - start) / 1000 / runs;
}

function seeded(n: number, d: number, seed: number): tf.Tensor2D {
  let s = seed >>> 0;
  const values = new Float32Array(n * d);
  for (let i = 0; i < values.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    values[i] = s / 4294967296 - 0.5;
  }
  return tf.tensor2d(values, [n, d]);
}

const fmtMs = (s: number) => (s * 1000).toFixed(s < 0.01 ? 3 : 1).padStart(9);
const fmtG = (x: number) => x.toFixed(2).padStart(8);

async function main() {
  console.log(`@mmaux/losses benchmark — D = ${D}, forward + backward (tf.grads w.r.t. text, image, logitScale)`);
  console.log('FLOPs counted: ITC/SigLIP 3 matmuls of 2·N²·D (forward + two in backward); matmul 2·N²·D.\n');
  for (const backend of BACKENDS) {
    await tf.setBackend(backend);
    await tf.ready();
    console.log(`backend ${tf.getBackend()}`);
    console.log('     N |    ITC ms | ITC GFLOP/s | SigLIP ms | SigLIP GFLOP/s | matmul ms | matmul GFLOP/s');
    for (const n of SIZES) {
      const text = seeded(n, D, 1);
      const image = seeded(n, D, 2);
      const scale = tf.scalar(Math.log(1 / 0.07));
      const itc = time(() =>
        tf.grads((t, v, s) => itcLoss(t as tf.Tensor2D, v as tf.Tensor2D, { logitScale: s as tf.Scalar }))([text, image, scale]),
      );
      const siglip = time(() =>
        tf.grads((t, v, s) =>
          sigmoidContrastiveLoss(t as tf.Tensor2D, v as tf.Tensor2D, { logitScale: s as tf.Scalar }),
        )([text, image, scale]),
      );
      // The plain product of the same size, operands laid out contiguously ([N, D] · [D, N]).
      const imageT = tf.transpose(image);
      const matmul = time(() => tf.matMul(text, imageT));
      const lossFlops = 3 * 2 * n * n * D;
      const mmFlops = 2 * n * n * D;
      console.log(
        `${String(n).padStart(6)} |${fmtMs(itc)}  |${fmtG(lossFlops / itc / 1e9)}     |${fmtMs(siglip)}  |${fmtG(lossFlops / siglip / 1e9)}        |${fmtMs(matmul)}  |${fmtG(mmFlops / matmul / 1e9)}`,
      );
      tf.dispose([text, image, imageT, scale]);
    }
    console.log('');
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
