/** CLIP's initial log inverse temperature, `ln(1 / 0.07)` ≈ 2.6593 (the paper's `logit_scale` init). */
export const DEFAULT_LOGIT_SCALE: number = Math.log(1 / 0.07);

/** CLIP's upper clamp on the log inverse temperature, `ln 100` (inverse temperature at most 100). */
export const MAX_LOGIT_SCALE: number = Math.log(100);

/**
 * SigLIP's initial log inverse temperature, `ln 10`. SigLIP learns it together with the bias;
 * the pair (ln 10, −10) was chosen for batches of thousands of pairs, where almost every pair is
 * a negative — for small batches a less negative bias starts training closer to balance.
 */
export const SIGLIP_LOGIT_SCALE: number = Math.log(10);

/** SigLIP's initial logit bias, `−10` (see {@link SIGLIP_LOGIT_SCALE} on batch-size dependence). */
export const SIGLIP_LOGIT_BIAS = -10;
