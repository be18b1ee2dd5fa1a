import { MmauxDatasetError } from '../errors.js';

/** Resampling kernels a recipe may name (sharp's `linear`, `cubic`, `nearest`, `lanczos3`). */
export type ImageKernel = 'bilinear' | 'bicubic' | 'nearest' | 'lanczos3';

/**
 * How an image becomes a model input: a resize (and crop), then `(pixel / 255 − mean) / std` per
 * channel, giving float32 CHW.
 */
export interface ImageRecipe {
  /**
   * `'squash'`: resize to exactly `width × height`, ignoring the aspect ratio (HF
   * `ViTFeatureExtractor`, torchvision `Resize((h, w))`). `'shorter-side-center-crop'`:
   * torchvision `Resize(shorterSide)` then `CenterCrop((cropHeight, cropWidth))` (see
   * {@link shorterSideResizeSize}, {@link centerCropBox}); needs `shorterSide ≥` both crop sides.
   */
  resize:
    | { mode: 'squash'; width: number; height: number }
    | { mode: 'shorter-side-center-crop'; shorterSide: number; cropWidth: number; cropHeight: number };
  /** Per-channel (R, G, B) mean, subtracted after scaling pixels to [0, 1]. */
  mean: [number, number, number];
  /** Per-channel (R, G, B) standard deviation, divided by after subtracting the mean; non-zero. */
  std: [number, number, number];
  /**
   * The resampling kernel. Bilinear is what both reference preprocessors use (PIL `BILINEAR`).
   * sharp's kernels are not PIL's: on a real photo values differ from torchvision/transformers by
   * a few 1/255 steps at edges; a resize that keeps the size, a uniform image and an integer
   * nearest-neighbour upscale are exact.
   * @defaultValue `'bilinear'`
   */
  kernel?: ImageKernel;
}

const freeze = <T extends object>(r: T): T => {
  for (const v of Object.values(r)) if (typeof v === 'object' && v !== null) freeze(v as object);
  return Object.freeze(r);
};

/**
 * The preprocessing recipes of the paper's models (METHOD §4.2). Frozen: spread one to change it,
 * e.g. `{ ...IMAGE_RECIPES.vit, kernel: 'bicubic' }`.
 *
 * - `vit`: Ber-ViT-Att / Ber-ViT-Conc (`ViTFeatureExtractor`, in21k config): squash to 224×224,
 *   bilinear, mean = std = 0.5 per channel, no crop.
 * - `resnet`: MMBT's ResNet-152 (`get_image_transforms`): shorter side 256, centre crop 224×224,
 *   the MM-IMDB statistics mean [0.46777044, 0.44531429, 0.40661017], std [0.12221994,
 *   0.12145835, 0.14380469] (not ImageNet's).
 * - `imagenet`: the image-only ResNet baseline: squash to 224×224, ImageNet mean [0.485, 0.456,
 *   0.406], std [0.229, 0.224, 0.225].
 * - `raw224`: squash to 224×224, mean 0, std 1 (pixels / 255), for encoders that normalise
 *   themselves.
 *
 * ViLT's variable-size resize (shorter side 384, sides floored to multiples of 32) is not one of
 * these two resize modes.
 *
 * @example
 * ```ts
 * IMAGE_RECIPES.vit.resize; // {"mode": "squash", "width": 224, "height": 224}
 * IMAGE_RECIPES.resnet.resize; // {"mode": "shorter-side-center-crop", "shorterSide": 256, "cropWidth": 224, "cropHeight": 224}
 * IMAGE_RECIPES.resnet.mean; // [0.46777044, 0.44531429, 0.40661017]
 * IMAGE_RECIPES.imagenet.std; // [0.229, 0.224, 0.225]
 * ```
 */
export const IMAGE_RECIPES: {
  readonly vit: ImageRecipe;
  readonly resnet: ImageRecipe;
  readonly imagenet: ImageRecipe;
  readonly raw224: ImageRecipe;
} = freeze({
  vit: { resize: { mode: 'squash', width: 224, height: 224 }, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], kernel: 'bilinear' },
  resnet: {
    resize: { mode: 'shorter-side-center-crop', shorterSide: 256, cropWidth: 224, cropHeight: 224 },
    mean: [0.46777044, 0.44531429, 0.40661017],
    std: [0.12221994, 0.12145835, 0.14380469],
    kernel: 'bilinear',
  },
  imagenet: { resize: { mode: 'squash', width: 224, height: 224 }, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], kernel: 'bilinear' },
  raw224: { resize: { mode: 'squash', width: 224, height: 224 }, mean: [0, 0, 0], std: [1, 1, 1], kernel: 'bilinear' },
});

const KERNELS: Record<ImageKernel, 'linear' | 'cubic' | 'nearest' | 'lanczos3'> = {
  bilinear: 'linear',
  bicubic: 'cubic',
  nearest: 'nearest',
  lanczos3: 'lanczos3',
};

/** @internal A recipe checked and reduced to what the pipeline needs. */
export interface ResolvedRecipe {
  mode: 'squash' | 'shorter-side-center-crop';
  /** squash: target size; crop mode: crop size. */
  width: number;
  height: number;
  shorterSide: number;
  kernel: 'linear' | 'cubic' | 'nearest' | 'lanczos3';
  mean: [number, number, number];
  std: [number, number, number];
}

/** @internal Validates a recipe, with `INVALID_OPTION` naming the field. */
export function resolveRecipe(fn: string, recipe: ImageRecipe): ResolvedRecipe {
  const bad = (what: string): never => {
    throw new MmauxDatasetError('INVALID_OPTION', `${fn}: recipe.${what}; see IMAGE_RECIPES for valid recipes.`);
  };
  if (typeof recipe !== 'object' || recipe === null) bad(`must be an object, got ${String(recipe)}`);
  const { resize } = recipe;
  if (typeof resize !== 'object' || resize === null) bad('resize is missing');
  const side = (name: string, v: unknown): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) bad(`resize.${name} must be a positive integer, got ${String(v)}`);
    return v as number;
  };
  let width: number;
  let height: number;
  let shorterSide = 0;
  if (resize.mode === 'squash') {
    width = side('width', resize.width);
    height = side('height', resize.height);
  } else if (resize.mode === 'shorter-side-center-crop') {
    shorterSide = side('shorterSide', resize.shorterSide);
    width = side('cropWidth', resize.cropWidth);
    height = side('cropHeight', resize.cropHeight);
    if (width > shorterSide || height > shorterSide) {
      bad(`resize: a ${width}×${height} crop needs shorterSide ≥ ${Math.max(width, height)}, got ${shorterSide}`);
    }
  } else {
    return bad(`resize.mode must be 'squash' or 'shorter-side-center-crop', got ${JSON.stringify((resize as { mode?: unknown }).mode)}`);
  }
  const triple = (name: 'mean' | 'std'): [number, number, number] => {
    const v: unknown = recipe[name];
    if (!Array.isArray(v) || v.length !== 3 || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
      bad(`${name} must be three finite numbers (R, G, B), got ${JSON.stringify(v)}`);
    }
    return [...(v as number[])] as [number, number, number];
  };
  const mean = triple('mean');
  const std = triple('std');
  if (std.some((s) => s === 0)) bad(`std must not contain 0, got ${JSON.stringify(std)}`);
  const kernelName = recipe.kernel ?? 'bilinear';
  const kernel = KERNELS[kernelName];
  if (kernel === undefined || !Object.hasOwn(KERNELS, kernelName)) {
    bad(`kernel must be one of ${Object.keys(KERNELS).join(', ')}, got ${JSON.stringify(kernelName)}`);
  }
  return { mode: resize.mode, width, height, shorterSide, kernel, mean, std };
}
