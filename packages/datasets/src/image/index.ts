// The project's one sharp image pipeline: decode, EXIF, RGB, resize/crop/normalise recipes.
export { blankImage } from './blank-image.js';
export { DEFAULT_LIMIT_INPUT_PIXELS, decodeImage, sniffImageFormat } from './decode-image.js';
export type { DecodedImage, ImageDecodeOptions, ImageFormat } from './decode-image.js';
export { encodePng } from './encode-png.js';
export { imageProblemOf } from './image-problem.js';
export type { ImageProblem } from './image-problem.js';
export { IMAGE_RECIPES } from './image-recipes.js';
export type { ImageKernel, ImageRecipe } from './image-recipes.js';
export { probeImage } from './probe-image.js';
export type { ImageProbe } from './probe-image.js';
export { preprocessImage, resizeImage } from './preprocess-image.js';
export type { PreprocessedImage, ResizeImageOptions } from './preprocess-image.js';
export { preprocessImages } from './preprocess-images.js';
export type { ImageSourceIssue, PreprocessedBatch, PreprocessImagesOptions } from './preprocess-images.js';
export { centerCropBox, shorterSideResizeSize } from './resize-geometry.js';
