import { DATASET_CLASSES } from '../dataset-classes.js';

/** The synthetic tasks: each imitates one of the paper's data sets. */
export type SyntheticTask = 'relation' | 'sentiment' | 'sarcasm';

/** What a synthetic task is, as listed in {@link SYNTHETIC_TASKS}. */
export interface SyntheticTaskInfo {
  /** Class names in class-index order (the `label` values of the manifest), those of the imitated data set. */
  classes: readonly string[];
  /** The data set whose label scheme it copies. */
  imitates: 'TIR' | 'MVSA-Single' | 'MSD';
  /** How the label follows from the text and the image. */
  rule: string;
  /**
   * The best accuracy a model that sees only the text (`text`) or only the image (`image`) can
   * reach in expectation with equal class proportions; a model that sees both can reach 1.
   */
  unimodalCeiling: { text: number; image: number };
}

/**
 * The three synthetic tasks, their classes (same order and meaning as the data set each
 * imitates) and the rule that makes the label depend on both modalities.
 *
 * - `relation` (TIR): the text names an object (colour + shape) and a context thing (tree,
 *   sun, …); the image draws an object and one context thing. *Text represented* = the image
 *   draws the text's object; *image adds* = the image's context thing is not the one the text
 *   names. Classes 0 adds & represented, 1 adds & not represented, 2 does not add & represented,
 *   3 does not add & not represented (the names of `DATASET_CLASSES.tir`).
 * - `sentiment` (MVSA-Single): a text tone and an image tone (palette + motif: faces, weather,
 *   hearts) combined by Cheema's rule (§5.2): equal tones keep it, neutral + polar gives the
 *   polar one, positive + negative never occurs. Classes 0 neutral, 1 positive, 2 negative
 *   (`valid_pairlist`). The rule itself lets a polar text decide alone, so one modality gets
 *   11/15 ≈ 0.733 of the posts right (the mix is chosen to keep that low), never all.
 * - `sarcasm` (MSD): wording and image tone either agree (not sarcastic) or contradict
 *   (sarcastic: cheerful words with a gloomy image, or a complaint with a cheerful one), half
 *   of each, so neither modality alone does better than chance. Classes 0 not sarcastic,
 *   1 sarcastic.
 *
 * @example
 * ```ts
 * SYNTHETIC_TASKS.relation.classes[1]; // "image adds and text is not represented"
 * SYNTHETIC_TASKS.relation.classes === DATASET_CLASSES.tir; // true
 * SYNTHETIC_TASKS.sentiment.classes; // ["neutral", "positive", "negative"]
 * SYNTHETIC_TASKS.sarcasm.unimodalCeiling; // {"text": 0.5, "image": 0.5}
 * ```
 */
export const SYNTHETIC_TASKS: Readonly<Record<SyntheticTask, SyntheticTaskInfo>> = Object.freeze({
  relation: Object.freeze({
    classes: DATASET_CLASSES.tir,
    imitates: 'TIR' as const,
    rule:
      'represented = the image draws the object (colour and shape) the text names; adds = the context thing the image draws ' +
      '(tree, sun, house, cloud, moon, flower) is not the one the text names',
    unimodalCeiling: Object.freeze({ text: 0.25, image: 0.25 }),
  }),
  sentiment: Object.freeze({
    classes: DATASET_CLASSES['mvsa-single'],
    imitates: 'MVSA-Single' as const,
    rule: "text tone + image tone by Cheema's rule: equal tones keep it, neutral + polar gives the polar tone (positive + negative never occurs)",
    unimodalCeiling: Object.freeze({ text: 11 / 15, image: 11 / 15 }),
  }),
  sarcasm: Object.freeze({
    classes: DATASET_CLASSES.msd,
    imitates: 'MSD' as const,
    rule: 'sarcastic = the wording (positive or negative) contradicts the tone of the image',
    unimodalCeiling: Object.freeze({ text: 0.5, image: 0.5 }),
  }),
}) as Readonly<Record<SyntheticTask, SyntheticTaskInfo>>;
