/**
 * @packageDocumentation
 * Image-text auxiliary losses for multimodal classifiers in TensorFlow.js: ITC (contrastive),
 * ITM (matching), SigLIP, class-weighted cross-entropy and the joint objective of Sánchez
 * Villegas et al. (Findings of EACL 2024). Every differentiable function carries its own
 * gradient, so it trains with `@tensorflow/tfjs`, `@tensorflow/tfjs-node`, or `tfjs-core` and a
 * backend alone, and registers nothing globally.
 */
export { balancedClassWeights } from './class-weights.js';
export type { ClassWeightOptions } from './class-weights.js';
export { DEFAULT_LOGIT_SCALE, MAX_LOGIT_SCALE, SIGLIP_LOGIT_BIAS, SIGLIP_LOGIT_SCALE } from './constants.js';
export { contrastiveLogits } from './contrastive-logits.js';
export type { FiniteCheckOptions } from './contrastive-logits.js';
export { contrastiveRetrieval } from './contrastive-retrieval.js';
export type { RetrievalDirection, RetrievalOptions, RetrievalReport } from './contrastive-retrieval.js';
export { itmLoss, weightedCrossEntropy } from './cross-entropy.js';
export type { WeightedCrossEntropyOptions } from './cross-entropy.js';
export { MmauxLossError } from './errors.js';
export type { LossErrorCode } from './errors.js';
export { itcLoss, itcLossFromLogits } from './itc-loss.js';
export type { ItcLogitsOptions, ItcOptions } from './itc-loss.js';
export { jointLoss, jointLossWeights } from './joint-loss.js';
export type { JointLossOptions, JointLossParts, JointLossWeights } from './joint-loss.js';
export { LogitScale } from './logit-scale.js';
export type { LogitScaleInput, LogitScaleOptions } from './logit-scale.js';
export { createRng } from './rng.js';
export type { Rng } from './rng.js';
export { sampleItmPairs } from './sample-itm-pairs.js';
export type { ItmPairOptions, ItmPairs } from './sample-itm-pairs.js';
export { sigmoidContrastiveLoss } from './sigmoid-contrastive-loss.js';
export type { SigmoidContrastiveOptions } from './sigmoid-contrastive-loss.js';
export type { GroupIds, LabelInput } from './validate.js';
