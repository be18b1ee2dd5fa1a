// ESM consumer: tfjs-core with a bare backend, as a user with a minimal setup has it.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { itcLoss, MmauxLossError } from '@mmaux/losses';

const text = tf.tensor2d([[1, 0], [0, 1]]);
const image = tf.tensor2d([[0.9, 0.1], [0.2, 0.8]]);
const loss = itcLoss(text, image, { logitScale: 0 }).dataSync()[0];
const expected = 0.3699; // float64 reference for this pair at logitScale 0
if (Math.abs(loss - expected) > 1e-3) throw new Error(`ESM: itcLoss = ${loss}, expected ≈ ${expected}`);
const [g] = tf.grads((t) => itcLoss(t, image, { logitScale: 0 }))([text]);
if (!Array.from(g.dataSync()).every(Number.isFinite)) throw new Error('ESM: gradient not finite');
if (typeof MmauxLossError !== 'function') throw new Error('ESM: MmauxLossError missing');
console.log(`ESM import: itcLoss = ${loss.toFixed(4)}`);
