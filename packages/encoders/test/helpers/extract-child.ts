// Run by test/extract-features.test.ts in a child process (node --import tsx): extracts the
// synthetic posts into the cache folder argv[2] and kills itself with SIGKILL after argv[3]
// batches, the way a crash or a power cut ends a long extraction.
import { createImagePatchesEncoder, createTextHashEncoder, extractFeatures, FeatureCache } from '../../src/index.js';
import { childPosts } from './posts.js';

const [root, killAfter] = [process.argv[2] as string, Number(process.argv[3])];
const cache = new FeatureCache(root, { shardBytes: 1, dtype: 'float16' });
const encoders = { text: createTextHashEncoder({ dim: 32 }), image: createImagePatchesEncoder({ size: 24, grid: 3 }) };
let batches = 0;
await extractFeatures(childPosts(), encoders, cache, {
  batchSize: 4,
  onProgress: (p) => {
    if (p.phase === 'extract' && ++batches === killAfter) process.kill(process.pid, 'SIGKILL');
  },
});
console.log('finished without being killed');
