// Trainable ViT image encoder layers (issue 13, image half): the public surface of this folder.
export { imageLayersConfigFromHf } from './config.js';
export type { ImageEncoderLayersConfig } from './config.js';
export { ImageEncoderLayers } from './image-encoder-layers.js';
export type { ImageEncoderLayersOptions, ImageLayersForwardOptions, ImageLayersInput, ImageLayersOutput, ImageLayersPooling } from './image-encoder-layers.js';
export { imageLayersWeightFilter, imageLayerWeightSpecs } from './weight-names.js';
export type { ImageLayerWeightSpec, TrainableImageLayers } from './weight-names.js';
