// `pnpm --filter @mmaux/example-quickstart demo`: the losses on a tiny synthetic problem, offline, in a few seconds.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { runDemo } from './demo.js';

const backend = (await tf.setBackend('wasm')) ? 'wasm' : (await tf.setBackend('cpu'), 'cpu');
await tf.ready();
console.log(`@mmaux/losses quickstart — backend ${backend}; synthetic paired features, seed 1\n`);
runDemo();
