import type { DatasetName } from './types.js';

/** Every name {@link loadDataset} accepts. */
export const DATASET_NAMES: readonly DatasetName[] = ['tir', 'mvsa-single', 'mvsa-multiple', 'mhp', 'msd', 'micd', 'manifest'];

/**
 * The class names of the paper's data sets, in label order (the order of the authors'
 * `CLASSES` in `models/config.py`, METHOD.md §5).
 */
export const DATASET_CLASSES: Readonly<Record<Exclude<DatasetName, 'manifest'>, readonly string[]>> = {
  tir: [
    'image adds and text is represented',
    'image adds and text is not represented',
    'image does not add and text is represented',
    'image does not add and text is not represented',
  ],
  'mvsa-single': ['neutral', 'positive', 'negative'],
  'mvsa-multiple': ['neutral', 'positive', 'negative'],
  mhp: ['none', 'hateful', 'counter-speech', 'reclaimed'],
  msd: ['not sarcastic', 'sarcastic'],
  micd: ['not commercial', 'commercial'],
};
