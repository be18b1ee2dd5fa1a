// Real-format image files for tests, good and broken the ways scraped data sets break: written
// with sharp (resolved through @mmaux/datasets, which depends on it), noise from a seeded
// generator so files differ and truncation cuts through pixel data.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The part of sharp's API used here. */
interface SharpLike {
  (input: Buffer, options: { raw: { width: number; height: number; channels: 3 } }): {
    jpeg(options: { quality: number }): { toBuffer(): Promise<Buffer> };
    png(): { toBuffer(): Promise<Buffer> };
  };
}

const sharp = createRequire(new URL('../../packages/datasets/package.json', import.meta.url))('sharp') as SharpLike;

/** The ways a file can fail to decode that the tests cover. */
export const BAD_IMAGE_KINDS = ['truncated-jpeg', 'truncated-png', 'renamed-text', 'zero-byte', 'over-pixel-limit'] as const;
export type BadImageKind = (typeof BAD_IMAGE_KINDS)[number];

/** `size × size` RGB noise from a seeded linear congruential generator. */
function noise(seed: number, size: number): Buffer {
  const raw = Buffer.alloc(size * size * 3);
  let x = (seed * 2654435761 + 1) >>> 0;
  for (let i = 0; i < raw.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    raw[i] = x >>> 24;
  }
  return raw;
}

/** A valid JPEG of seeded noise. */
export function goodJpeg(seed: number, size = 32): Promise<Buffer> {
  return sharp(noise(seed, size), { raw: { width: size, height: size, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

/** A valid PNG of seeded noise. */
export function goodPng(seed: number, size = 32): Promise<Buffer> {
  return sharp(noise(seed, size), { raw: { width: size, height: size, channels: 3 } }).png().toBuffer();
}

/** A JPEG whose SOF header declares 20000 × 20000 pixels (over the default limit of 178956970). */
function overPixelLimit(jpeg: Buffer): Buffer {
  const out = Buffer.from(jpeg);
  for (let i = 2; i + 8 < out.length && out[i] === 0xff; i += 2 + out.readUInt16BE(i + 2)) {
    const marker = out[i + 1]!;
    if (marker >= 0xc0 && marker <= 0xc3) {
      out.writeUInt16BE(20000, i + 5);
      out.writeUInt16BE(20000, i + 7);
      return out;
    }
  }
  throw new Error('overPixelLimit: no SOF marker in the JPEG');
}

/**
 * The bytes of a broken image: a JPEG or PNG cut to 60% (the header is whole, so only a full
 * decode notices), a text file (to be saved as `.jpg`), an empty file, or a JPEG whose header
 * declares 20000 × 20000 pixels.
 */
export async function badImageBytes(kind: BadImageKind, seed = 1): Promise<Buffer> {
  switch (kind) {
    case 'truncated-jpeg': {
      const b = await goodJpeg(seed);
      return b.subarray(0, Math.floor(b.length * 0.6));
    }
    case 'truncated-png': {
      const b = await goodPng(seed);
      return b.subarray(0, Math.floor(b.length * 0.6));
    }
    case 'renamed-text':
      return Buffer.from('id,text\nthis is a text file saved with an image name\n');
    case 'zero-byte':
      return Buffer.alloc(0);
    case 'over-pixel-limit':
      return overPixelLimit(await goodJpeg(seed));
  }
}

/** The file name extension a broken image of `kind` carries (what its name claims). */
export function badImageExtension(kind: BadImageKind): string {
  return kind === 'truncated-png' ? '.png' : '.jpg';
}

/** Writes a broken image of `kind` to `file`. */
export async function writeBadImage(file: string, kind: BadImageKind, seed = 1): Promise<void> {
  writeFileSync(file, await badImageBytes(kind, seed));
}
