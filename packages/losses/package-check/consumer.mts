// Type-checked against the ESM declaration file (dist/index.d.ts).
import * as tf from '@tensorflow/tfjs-core';
import { itcLoss, type ItcOptions, LogitScale, sampleItmPairs, createRng, type ItmPairs } from '@mmaux/losses';

const options: ItcOptions = { logitScale: new LogitScale(), groupIds: ['a', 'b'] };
const loss: tf.Scalar = itcLoss(tf.tensor2d([[1, 0]]), tf.tensor2d([[0, 1]]), options);
const pairs: ItmPairs = sampleItmPairs(4, { rng: createRng(1), strategy: 'random' });
const partner: Int32Array = pairs.partner;
// @ts-expect-error strategy is a closed union
sampleItmPairs(4, { rng: createRng(1), strategy: 'nearest' });
export { loss, partner };
