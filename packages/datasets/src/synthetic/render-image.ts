import sharp from 'sharp';
import { MmauxDatasetError } from '../errors.js';
import { encodePng } from '../image/encode-png.js';
import { mulberry32 } from '../rng.js';
import { type SyntheticScene, sceneToSvg } from './scene.js';

/**
 * Draws a synthetic scene as a PNG: the SVG of {@link sceneToSvg} rasterised by sharp (librsvg),
 * then seeded per-pixel noise (uniform integers in [−amplitude, amplitude], each channel), then
 * PNG-encoded without metadata. The same scene gives the same bytes with the same sharp build.
 *
 * @param scene - a post's `scene` from {@link generateSyntheticPosts}
 * @param imageSize - width and height in pixels, an integer in [8, 2048]; default 96
 * @returns the PNG file's bytes
 * @throws MmauxDatasetError `INVALID_OPTION` for a bad `imageSize`
 *
 * @example
 * ```ts
 * const post = generateSyntheticPosts({ task: 'relation', size: 4, seed: 3 }).posts[0];
 * const png = await renderSyntheticImage(post.scene, 32);
 * const img = await decodeImage(png);
 * [img.width, img.height]; // [32, 32]
 * Buffer.from(await renderSyntheticImage(post.scene, 32)).equals(Buffer.from(png)); // true
 * ```
 */
export async function renderSyntheticImage(scene: SyntheticScene, imageSize = 96): Promise<Uint8Array> {
  if (!Number.isInteger(imageSize) || imageSize < 8 || imageSize > 2048) {
    throw new MmauxDatasetError('INVALID_OPTION', `renderSyntheticImage: imageSize must be an integer in [8, 2048], got ${String(imageSize)}.`);
  }
  const svg = Buffer.from(sceneToSvg(scene, imageSize));
  const raw = await sharp(svg, { density: 72 })
    .resize({ width: imageSize, height: imageSize, fit: 'fill' })
    .flatten({ background: scene.background })
    .removeAlpha()
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer();
  const amplitude = Math.max(0, Math.floor(scene.noise.amplitude));
  if (amplitude > 0) {
    const rng = mulberry32(scene.noise.seed);
    const span = 2 * amplitude + 1;
    for (let i = 0; i < raw.length; i++) {
      const v = (raw[i] as number) + Math.floor(rng() * span) - amplitude;
      raw[i] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return encodePng({ data: new Uint8Array(raw.buffer, raw.byteOffset, raw.length), width: imageSize, height: imageSize, channels: 3 });
}
