import type { LoadReport } from './report.js';

/** The three splits every post belongs to. */
export type Split = 'train' | 'val' | 'test';

/** The data sets {@link loadDataset} reads: the paper's five (MVSA in two variants) and the generic manifest. */
export type DatasetName = 'tir' | 'mvsa-single' | 'mvsa-multiple' | 'mhp' | 'msd' | 'micd' | 'manifest';

/**
 * What happens to a post whose image is missing or whose image path escapes the data root:
 * `'skip'` drops the post and counts it in the report, `'blank'` keeps it with
 * `imagePath: null` and `blankImage: true` (encoders feed a blank image), `'error'` throws.
 * Loading does not decode; an image that exists but cannot be decoded (truncated, not an
 * image, over the pixel limit) is found by {@link validateImages}, {@link preprocessImages} and
 * `@mmaux/encoders`' `extractFeatures`, which take the same policy.
 */
export type BadImagePolicy = 'error' | 'skip' | 'blank';

/** One multimodal post. */
export interface Post {
  /** The data set's post id (tweet id for the paper's sets), unique within a data set. */
  id: string;
  /** The text, normalised when `normalizeText` is on. */
  text: string;
  /** Absolute path of the image file, or `null` when the post has no image (or a blank one). */
  imagePath: string | null;
  /** Class index into the data set's `classes`. */
  label: number;
  /** Which split the post belongs to. */
  split: Split;
  /** Posts sharing a group (manifest `group` column), e.g. several images of one tweet. */
  groupId?: string;
  /** `true` when the image was expected but missing (or unusable) and a blank image stands in. */
  blankImage?: boolean;
}

/** Options of {@link loadDataset}. */
export interface LoadDatasetOptions {
  /**
   * Seed of the seeded stratified 80/10/10 split (TIR, MVSA, a manifest without splits).
   * @defaultValue 0
   */
  seed?: number;
  /**
   * Apply the paper's tweet normaliser ({@link normalizeTweet}) to every text.
   * @defaultValue `true` for the paper's data sets, `false` for `manifest`
   */
  normalizeText?: boolean;
  /**
   * What to do with a post whose image file is missing or whose image path escapes the root.
   * @defaultValue `'skip'` (`'blank'` for `micd`, whose authors use a blank image for posts without one)
   */
  onBadImage?: BadImagePolicy;
  /**
   * Throw on the first bad row or image instead of skipping it (images that `onBadImage: 'blank'`
   * replaces are not errors; the data sets' own filters, such as MSD's word filter, still apply).
   * @defaultValue false
   */
  strict?: boolean;
  /**
   * Class names. `manifest`: the class order (labels may be names or indices into it); without
   * it a `dataset.json` next to the manifest with a `classes` array is used, else numeric labels
   * give classes `"0"…"max"` and names give their sorted unique list. Paper data sets: renames the
   * classes (same count).
   */
  classes?: readonly string[];
  /**
   * `micd` only: the rehydrated tweet texts, a CSV (columns `id`, `text`) or JSONL
   * (`{"id", "text"}` per line, for `.jsonl` / `.ndjson` files); relative to the working directory.
   */
  textFile?: string;
  /**
   * Paper data sets: the image folder, absolute or relative to `root`.
   * @defaultValue the first that exists of the data set's usual folders (see the README), else `root`
   */
  imageDir?: string;
  /**
   * `manifest` only: the folder every image must stay inside.
   * @defaultValue the manifest's folder
   */
  imageRoot?: string;
  /**
   * Check with `fs.lstat` that each image file exists and stays inside the root (no decoding).
   * Turn off only for slow network disks; {@link validateImages} checks images later.
   * @defaultValue true
   */
  checkImageFiles?: boolean;
  /**
   * `mhp` only: what goes between the tweet text and the OCR text of its image.
   * @defaultValue `''` (the authors' code concatenates them directly)
   */
  ocrSeparator?: string;
}

/** What {@link loadDataset} returns. */
export interface LoadedDataset {
  /** The data set's name. */
  name: DatasetName;
  /** The posts kept, in file order. */
  posts: Post[];
  /** Class names; `post.label` indexes this array. */
  classes: string[];
  /** What was read, kept, skipped and why (with ids), per-split class counts, the split seed. */
  report: LoadReport;
}
