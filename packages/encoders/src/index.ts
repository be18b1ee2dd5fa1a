/**
 * @packageDocumentation
 * Text and image encoders for multimodal posts, and an on-disk feature cache: transformers.js
 * models (BERT, BERTweet, RoBERTa, XLM-R / Bernice, ViT, DeiT, BEiT, ResNet, the CLIP towers)
 * from a local folder or the hub, TensorFlow.js graph and layers models (`tfjs:`; MobileNet,
 * EfficientNet, Inception, the Universal Sentence Encoder) from a folder or a URL, two built-in
 * offline encoders (`builtin:text-hash`,
 * `builtin:image-patches`), and {@link FeatureCache} + {@link extractFeatures}: features
 * computed once per (encoder id, input content), stored as checksummed safetensors shards,
 * resumable.
 */
export { createImageEncoder, createTextEncoder, parseEncoderSpec } from './create-encoder.js';
export type { ImageEncoderOptions, ParsedEncoderSpec, TextEncoderOptions } from './create-encoder.js';
export { MmauxEncoderError } from './errors.js';
export type { EncoderErrorCode } from './errors.js';
export { extractFeatures, readFeatures } from './extract-features.js';
export type { ExtractEncoders, ExtractOptions, ExtractPost, ExtractProgress, ExtractSummary } from './extract-features.js';
export type { ExtractBadImage, ExtractBadImagePolicy } from './extract-images.js';
export { FeatureCache } from './feature-cache/index.js';
export type {
  CacheDtype,
  CachedEntry,
  CachedImageEntry,
  CachedTextEntry,
  CacheReadOptions,
  CacheSequence,
  CacheStats,
  CacheStore,
  EncoderCacheStats,
  EncoderDescriptor,
  FeatureCacheOptions,
  VerifyReport,
} from './feature-cache/index.js';
export { float16ToFloat32, float32ToFloat16, fromFloat16Bits, toFloat16Bits } from './float16.js';
export { formatBytes } from './format-bytes.js';
export { blankImageKey, fnv1a32, imageKey, textKey } from './hash.js';
export { loadHfEncoderWeights } from './hf-encoder-weights.js';
export type { HfEncoderTensor, HfEncoderWeights, HfEncoderWeightsOptions, HfWeightDtype } from './hf-encoder-weights.js';
export type { HfDtype, HfEncoderOptions, HfPooling } from './hf-model.js';
export type { HfImageEncoderOptions } from './hf-image-encoder.js';
export { createHfImageProcessor } from './hf-image-processor.js';
export type { HfImagePreprocessor, HfImageProcessorOptions, HfPixelValues } from './hf-image-processor.js';
export { cudaExecutionProviderInstalled } from './hf-runtime.js';
export type { HfTextEncoderOptions } from './hf-text-encoder.js';
export { createHfTokenizer } from './hf-tokenizer.js';
export type { HfTextTokenizer, HfTokenized, HfTokenizerOptions } from './hf-tokenizer.js';
export { createImagePatchesEncoder, imagePatchesDim } from './image-patches-encoder.js';
export type { ImagePatchesOptions } from './image-patches-encoder.js';
export { poolPatchGrid } from './pool-patch-grid.js';
export { readSafetensors, writeSafetensors } from './safetensors.js';
export type { SafetensorsDtype, SafetensorsEntry, SafetensorsTensor } from './safetensors.js';
export { createTextHashEncoder } from './text-hash-encoder.js';
export type { TextHashOptions } from './text-hash-encoder.js';
export { TFJS_IMAGE_PRESETS } from './tfjs/image-presets.js';
export type { TfjsImagePreset, TfjsImagePresetInfo } from './tfjs/image-presets.js';
export type { TfjsEncoderOptions, TfjsImageEncoderOptions, TfjsTextEncoderOptions } from './tfjs/tfjs-options.js';
export { createUnigramTokenizer } from './tfjs/unigram-tokenizer.js';
export type { TfjsTokenizer, UnigramTokenizerOptions } from './tfjs/unigram-tokenizer.js';
export { tweetTokens } from './tweet-tokens.js';
export type {
  EncoderInfo,
  FeatureEncoder,
  ImageFeatureEncoder,
  ImageFeatures,
  ImageInput,
  PatchGrid,
  PooledFeatures,
  TextFeatureEncoder,
  TextFeatures,
} from './types.js';
