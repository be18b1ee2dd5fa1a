import { MmauxDatasetError } from '../errors.js';

function checkSide(fn: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) {
    throw new MmauxDatasetError('INVALID_OPTION', `${fn}: ${name} must be a positive integer, got ${String(v)}.`);
  }
}

/**
 * The size torchvision's `Resize(size)` (an int) gives an image: the shorter side becomes `size`
 * and the longer `int(size · long / short)` (truncated, computed in that order in float64 as
 * Python does); a square image becomes `size × size`.
 *
 * @param width - input width
 * @param height - input height
 * @param shorterSide - the target length of the shorter side
 * @returns `{ width, height }` after the resize
 * @throws MmauxDatasetError `INVALID_OPTION` for a non-positive or fractional argument
 *
 * @example
 * ```ts
 * shorterSideResizeSize(640, 480, 256); // {"width": 341, "height": 256}
 * shorterSideResizeSize(300, 1000, 256); // {"width": 256, "height": 853}
 * ```
 */
export function shorterSideResizeSize(width: number, height: number, shorterSide: number): { width: number; height: number } {
  const fn = 'shorterSideResizeSize';
  checkSide(fn, 'width', width);
  checkSide(fn, 'height', height);
  checkSide(fn, 'shorterSide', shorterSide);
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  const newLong = Math.trunc((shorterSide * long) / short);
  return width <= height ? { width: shorterSide, height: newLong } : { width: newLong, height: shorterSide };
}

/** Python's `round()`: halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The box torchvision's `CenterCrop((cropHeight, cropWidth))` cuts from a `width × height`
 * image: `top = int(round((height − cropHeight) / 2))`, `left` likewise, with Python's
 * round-half-to-even (so an odd margin of 117 puts 58 pixels above, 59 below).
 *
 * @param width - image width, at least `cropWidth`
 * @param height - image height, at least `cropHeight`
 * @param cropWidth - crop width
 * @param cropHeight - crop height
 * @returns `{ left, top, width: cropWidth, height: cropHeight }`
 * @throws MmauxDatasetError `INVALID_OPTION` when the crop is larger than the image (torchvision
 *   would zero-pad; the recipes here never need it) or a size is not a positive integer
 *
 * @example
 * ```ts
 * centerCropBox(341, 256, 224, 224); // {"left": 58, "top": 16, "width": 224, "height": 224}
 * centerCropBox(343, 256, 224, 224).left; // 60
 * ```
 */
export function centerCropBox(
  width: number,
  height: number,
  cropWidth: number,
  cropHeight: number,
): { left: number; top: number; width: number; height: number } {
  const fn = 'centerCropBox';
  checkSide(fn, 'width', width);
  checkSide(fn, 'height', height);
  checkSide(fn, 'cropWidth', cropWidth);
  checkSide(fn, 'cropHeight', cropHeight);
  if (cropWidth > width || cropHeight > height) {
    throw new MmauxDatasetError(
      'INVALID_OPTION',
      `${fn}: a ${cropWidth}×${cropHeight} crop does not fit in a ${width}×${height} image; resize to at least the crop size first.`,
    );
  }
  return { left: roundHalfEven((width - cropWidth) / 2), top: roundHalfEven((height - cropHeight) / 2), width: cropWidth, height: cropHeight };
}
