// Trainable BERT-family text encoder layers (issue 13): the public surface of this folder.
export { TEXT_ENCODER_ARCHITECTURES, textLayersConfigFromHf } from './config.js';
export type { TextEncoderActivation, TextEncoderArchitecture, TextEncoderLayersConfig } from './config.js';
export { TextEncoderLayers } from './text-encoder-layers.js';
export type {
  HfWeight,
  HfWeightSource,
  TextEncoderLayersOptions,
  TextLayersForwardOptions,
  TextLayersInput,
  TextLayersOutput,
  TextLayerWeightGroup,
} from './text-encoder-layers.js';
export { textLayersWeightFilter, textLayerWeightSpecs } from './weight-names.js';
export type { TextLayerWeightSpec, TrainableTextLayers } from './weight-names.js';
