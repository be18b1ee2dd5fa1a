// Type-checked against the ESM declaration file (dist/index.d.ts).
import {
  type CacheStats,
  createImageEncoder,
  createTextEncoder,
  type ExtractProgress,
  extractFeatures,
  FeatureCache,
  type ImageFeatureEncoder,
  type TextFeatureEncoder,
  type TextFeatures,
  TFJS_IMAGE_PRESETS,
  type TfjsImageEncoderOptions,
  type TfjsTokenizer,
} from '@mmaux/encoders';

const text: TextFeatureEncoder = await createTextEncoder('builtin:text-hash', { dim: 32, maxLength: 64 });
const image: ImageFeatureEncoder = await createImageEncoder('hf:/models/vit', { quantized: true, device: 'auto', intraOpThreads: 2 });
const features: TextFeatures = await text.encode(['a']);
const cache = new FeatureCache('/tmp/c', { dtype: 'float16', store: 'tokens', patchGrid: 7 });
const progress: Array<ExtractProgress['etaSeconds']> = [];
const summary = await extractFeatures([{ id: '1', text: 'x', imagePath: null }], { text, image }, cache, { onProgress: (p) => progress.push(p.etaSeconds), onBadImage: 'skip' });
const skipped: Array<string | null> = summary.keys.image ?? [];
const bad: string[] = summary.badImages.map((b) => `${b.id} ${b.path} ${b.problem} ${b.action}`);
// @ts-expect-error onBadImage is a closed union
await extractFeatures([], { text }, cache, { onBadImage: 'ignore' });
const stats: CacheStats = await cache.stats();
// @ts-expect-error dtype is 'float32' | 'float16'
new FeatureCache('/tmp/c', { dtype: 'float64' });
// @ts-expect-error pooling is a closed union
await createTextEncoder('hf:x', { pooling: 'max' });
const tfjsOptions: TfjsImageEncoderOptions = { preset: 'mobilenet-v2', resize: 'center-crop', fetchFunc: fetch };
const mobilenet: ImageFeatureEncoder = await createImageEncoder('tfjs:./mobilenet/model.json#global_average_pooling2d', tfjsOptions);
const size: number = TFJS_IMAGE_PRESETS['inception-v3'].size;
const words: TfjsTokenizer = { id: 'words-v1', encode: (t: string) => t.split(' ').map((w) => w.length) };
await createTextEncoder('tfjs:./use/model.json', { tokenizer: words, padId: 0 });
// @ts-expect-error preset is a closed union
await createImageEncoder('tfjs:./m', { preset: 'resnet' });
export { features, stats, skipped, bad, mobilenet, size };
