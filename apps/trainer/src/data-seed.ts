/**
 * Seed of the seeded splits (TIR, MVSA, manifests without a split column) and of the synthetic
 * data. Fixed, not the run's seed: every seed of a study must see the same test posts, or the
 * paired significance test compares different test sets.
 */
export const DATA_SEED = 0;
