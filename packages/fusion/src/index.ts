/**
 * @packageDocumentation
 * Trainable multimodal fusion models for TensorFlow.js on frozen encoder features — the
 * paper's Ber-ViT-Conc/-Att (`concat`, `attention`), a gated multimodal unit, MMBT/ViLT-like
 * single-stream and LXMERT-like dual-stream transformers, and unimodal baselines — each with a
 * classification head, ITC projection heads with a learnable temperature and an ITM head; the
 * joint CE + ITC + ITM training step through `@mmaux/losses`; AdamW with decoupled weight decay
 * and learning-rate schedules; and the one backend selection (native TensorFlow, wasm, cpu).
 * Every model trains forward and backward on the wasm backend.
 */
export { AdamW } from './adamw.js';
export type { AdamWOptions, AdamWParamGroup } from './adamw.js';
export { FUSION_KINDS } from './config.js';
export type { FusionConfig, FusionImageLayersConfig, FusionKind, FusionModelOptions, FusionTextLayersConfig } from './config.js';
export { MmauxFusionError } from './errors.js';
export type { FusionErrorCode } from './errors.js';
export type { EncoderLayersFusionInput, FusionInput, ImageFeatures, TextFeatures, TextLayersFusionInput } from './features.js';
export type { InputReads } from './fusion-core.js';
export { createFusionModel, FusionModel } from './fusion-model.js';
export type { ForwardOptions, FusionOutput, ItcEmbeddings } from './fusion-model.js';
export { loadFusionModel, MODEL_FORMAT, MODEL_FORMAT_VERSION } from './save-load.js';
export type { ModelManifest, WeightSpec } from './save-load.js';
export { constantSchedule, linearWarmupDecay } from './schedules.js';
export type { LearningRateSchedule, LinearWarmupDecayOptions } from './schedules.js';
export { AUTO_BACKEND_ORDER, selectBackend } from './select-backend.js';
export type { BackendAttempt, BackendChoice, BackendSelection, SelectBackendOptions } from './select-backend.js';
export { preferredWasmThreads } from './thread-policy.js';
export type { WasmThreadPolicyOptions } from './thread-policy.js';
export {
  TEXT_ENCODER_ARCHITECTURES,
  TextEncoderLayers,
  textLayersConfigFromHf,
  textLayersWeightFilter,
  textLayerWeightSpecs,
} from './text-layers/index.js';
export type {
  HfWeight,
  HfWeightSource,
  TextEncoderActivation,
  TextEncoderArchitecture,
  TextEncoderLayersConfig,
  TextEncoderLayersOptions,
  TextLayersForwardOptions,
  TextLayersInput,
  TextLayersOutput,
  TextLayerWeightGroup,
  TextLayerWeightSpec,
  TrainableTextLayers,
} from './text-layers/index.js';
export { textLayerParamGroups } from './text-layer-param-groups.js';
export type { TextLayerParamGroupsOptions } from './text-layer-param-groups.js';
export { ImageEncoderLayers, imageLayersConfigFromHf, imageLayersWeightFilter, imageLayerWeightSpecs } from './image-layers/index.js';
export type {
  ImageEncoderLayersConfig,
  ImageEncoderLayersOptions,
  ImageLayersForwardOptions,
  ImageLayersInput,
  ImageLayersOutput,
  ImageLayersPooling,
  ImageLayerWeightSpec,
  TrainableImageLayers,
} from './image-layers/index.js';
export { imageLayerParamGroups } from './image-layer-param-groups.js';
export type { ImageLayerParamGroupsOptions } from './image-layer-param-groups.js';
export { createTrainStep } from './train-step.js';
export type { TrainBatch, TrainStep, TrainStepOptions, TrainStepResult } from './train-step.js';
export type { NamedWeight } from './weights.js';
