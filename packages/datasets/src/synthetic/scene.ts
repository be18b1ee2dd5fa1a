import { MmauxDatasetError } from '../errors.js';

/** Things a synthetic image can draw. */
export type SyntheticItemKind =
  // main objects (relation)
  | 'circle'
  | 'square'
  | 'triangle'
  | 'star'
  | 'diamond'
  | 'hexagon'
  // context things (relation)
  | 'tree'
  | 'sun'
  | 'house'
  | 'cloud'
  | 'moon'
  | 'flower'
  // tone motifs (sentiment, sarcasm)
  | 'face-smile'
  | 'face-flat'
  | 'face-frown'
  | 'rain-cloud'
  | 'heart'
  | 'broken-heart'
  | 'box'
  // label-free clutter
  | 'scribble'
  | 'dot';

/** One drawn thing, in a 100 × 100 coordinate space. */
export interface SyntheticItem {
  /** What to draw. */
  kind: SyntheticItemKind;
  /** Main colour, `#rrggbb`. */
  fill: string;
  /** Centre x in [0, 100]. */
  x: number;
  /** Centre y in [0, 100]. */
  y: number;
  /** Radius-like size in the same units. */
  size: number;
  /** Rotation in degrees (shapes and clutter; icons stay upright). */
  rotation: number;
}

/** Background textures. */
export type SyntheticTexture = 'plain' | 'stripes' | 'dots' | 'grid' | 'waves';

/** A synthetic image, before rendering: background, texture, items in drawing order, noise. */
export interface SyntheticScene {
  /** Background colour, `#rrggbb`. */
  background: string;
  /** A repeating pattern over the background. */
  texture: { kind: SyntheticTexture; colour: string; angle: number; spacing: number };
  /** Drawn in order (later on top). */
  items: SyntheticItem[];
  /** Per-pixel noise added after rasterising: uniform integers in [−amplitude, amplitude] per channel. */
  noise: { amplitude: number; seed: number };
}

const n = (v: number): string => (Math.round(v * 100) / 100).toString();

function polygon(cx: number, cy: number, radii: number[], rotation: number, fill: string): string {
  const k = radii.length;
  const pts: string[] = [];
  for (let i = 0; i < k; i++) {
    const a = ((rotation - 90) * Math.PI) / 180 + (2 * Math.PI * i) / k;
    const r = radii[i] as number;
    pts.push(`${n(cx + r * Math.cos(a))},${n(cy + r * Math.sin(a))}`);
  }
  return `<polygon points="${pts.join(' ')}" fill="${fill}"/>`;
}

function cloudPath(x: number, y: number, s: number, fill: string): string {
  return (
    `<g fill="${fill}"><circle cx="${n(x - 0.45 * s)}" cy="${n(y + 0.1 * s)}" r="${n(0.42 * s)}"/>` +
    `<circle cx="${n(x + 0.05 * s)}" cy="${n(y - 0.2 * s)}" r="${n(0.55 * s)}"/>` +
    `<circle cx="${n(x + 0.5 * s)}" cy="${n(y + 0.1 * s)}" r="${n(0.4 * s)}"/>` +
    `<rect x="${n(x - 0.85 * s)}" y="${n(y + 0.05 * s)}" width="${n(1.7 * s)}" height="${n(0.45 * s)}" rx="${n(0.2 * s)}"/></g>`
  );
}

function heartPath(x: number, y: number, s: number): string {
  // Two arcs on top, a point at the bottom.
  return (
    `M ${n(x)} ${n(y + 0.85 * s)} ` +
    `C ${n(x - 1.3 * s)} ${n(y + 0.05 * s)} ${n(x - 0.75 * s)} ${n(y - 1.0 * s)} ${n(x)} ${n(y - 0.35 * s)} ` +
    `C ${n(x + 0.75 * s)} ${n(y - 1.0 * s)} ${n(x + 1.3 * s)} ${n(y + 0.05 * s)} ${n(x)} ${n(y + 0.85 * s)} Z`
  );
}

function face(it: SyntheticItem, mouth: 'smile' | 'flat' | 'frown'): string {
  const { x, y, size: s, fill } = it;
  const eyes =
    `<circle cx="${n(x - 0.35 * s)}" cy="${n(y - 0.25 * s)}" r="${n(0.11 * s)}" fill="#222"/>` +
    `<circle cx="${n(x + 0.35 * s)}" cy="${n(y - 0.25 * s)}" r="${n(0.11 * s)}" fill="#222"/>`;
  const my = y + 0.35 * s;
  const bend = mouth === 'smile' ? 0.35 * s : mouth === 'frown' ? -0.35 * s : 0;
  const mouthY = mouth === 'frown' ? my + 0.12 * s : my;
  const path = `M ${n(x - 0.45 * s)} ${n(mouthY)} Q ${n(x)} ${n(mouthY + 2 * bend)} ${n(x + 0.45 * s)} ${n(mouthY)}`;
  return (
    `<circle cx="${n(x)}" cy="${n(y)}" r="${n(s)}" fill="${fill}" stroke="#333" stroke-width="${n(0.06 * s)}"/>` +
    eyes +
    `<path d="${path}" fill="none" stroke="#222" stroke-width="${n(0.1 * s)}" stroke-linecap="round"/>`
  );
}

function drawItem(it: SyntheticItem): string {
  const { x, y, size: s, fill, rotation: rot } = it;
  switch (it.kind) {
    case 'circle':
      return `<circle cx="${n(x)}" cy="${n(y)}" r="${n(s)}" fill="${fill}"/>`;
    case 'square':
      return polygon(x, y, [1.3 * s, 1.3 * s, 1.3 * s, 1.3 * s], rot + 45, fill);
    case 'triangle':
      return polygon(x, y, [1.2 * s, 1.2 * s, 1.2 * s], rot, fill);
    case 'star':
      return polygon(x, y, Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? 1.25 * s : 0.5 * s)), rot, fill);
    case 'diamond':
      return polygon(x, y, [1.3 * s, 0.8 * s, 1.3 * s, 0.8 * s], rot, fill);
    case 'hexagon':
      return polygon(x, y, Array.from({ length: 6 }, () => 1.1 * s), rot, fill);
    case 'tree':
      return (
        `<rect x="${n(x - 0.15 * s)}" y="${n(y + 0.2 * s)}" width="${n(0.3 * s)}" height="${n(0.8 * s)}" fill="#7a4b24"/>` +
        `<circle cx="${n(x)}" cy="${n(y - 0.25 * s)}" r="${n(0.65 * s)}" fill="${fill}"/>`
      );
    case 'sun': {
      const rays = Array.from({ length: 8 }, (_, i) => {
        const a = (Math.PI * i) / 4;
        return `<line x1="${n(x + 0.65 * s * Math.cos(a))}" y1="${n(y + 0.65 * s * Math.sin(a))}" x2="${n(x + s * Math.cos(a))}" y2="${n(
          y + s * Math.sin(a),
        )}"/>`;
      }).join('');
      return `<g stroke="${fill}" stroke-width="${n(0.14 * s)}" stroke-linecap="round">${rays}</g><circle cx="${n(x)}" cy="${n(y)}" r="${n(
        0.5 * s,
      )}" fill="${fill}"/>`;
    }
    case 'house':
      return (
        `<rect x="${n(x - 0.6 * s)}" y="${n(y - 0.1 * s)}" width="${n(1.2 * s)}" height="${n(0.9 * s)}" fill="${fill}"/>` +
        `<polygon points="${n(x - 0.8 * s)},${n(y - 0.1 * s)} ${n(x)},${n(y - 0.85 * s)} ${n(x + 0.8 * s)},${n(y - 0.1 * s)}" fill="#8c2d19"/>` +
        `<rect x="${n(x - 0.15 * s)}" y="${n(y + 0.35 * s)}" width="${n(0.3 * s)}" height="${n(0.45 * s)}" fill="#4a2c17"/>`
      );
    case 'cloud':
      return cloudPath(x, y, s, fill);
    case 'moon':
      return `<path d="M ${n(x + 0.2 * s)} ${n(y - 0.8 * s)} A ${n(0.8 * s)} ${n(0.8 * s)} 0 1 0 ${n(x + 0.2 * s)} ${n(y + 0.8 * s)} A ${n(
        0.6 * s,
      )} ${n(0.8 * s)} 0 1 1 ${n(x + 0.2 * s)} ${n(y - 0.8 * s)} Z" fill="${fill}"/>`;
    case 'flower': {
      const petals = Array.from({ length: 5 }, (_, i) => {
        const a = (2 * Math.PI * i) / 5 - Math.PI / 2;
        return `<circle cx="${n(x + 0.45 * s * Math.cos(a))}" cy="${n(y + 0.45 * s * Math.sin(a))}" r="${n(0.35 * s)}"/>`;
      }).join('');
      return `<g fill="${fill}">${petals}</g><circle cx="${n(x)}" cy="${n(y)}" r="${n(0.25 * s)}" fill="#f7d038"/>`;
    }
    case 'face-smile':
      return face(it, 'smile');
    case 'face-flat':
      return face(it, 'flat');
    case 'face-frown':
      return face(it, 'frown');
    case 'rain-cloud': {
      const drops = [-0.5, 0, 0.5]
        .map((dx) => `<line x1="${n(x + dx * s)}" y1="${n(y + 0.65 * s)}" x2="${n(x + dx * s - 0.12 * s)}" y2="${n(y + 1.0 * s)}"/>`)
        .join('');
      const bolt = `<polygon points="${n(x + 0.1 * s)},${n(y + 0.45 * s)} ${n(x - 0.15 * s)},${n(y + 0.85 * s)} ${n(x + 0.05 * s)},${n(
        y + 0.85 * s,
      )} ${n(x - 0.1 * s)},${n(y + 1.2 * s)} ${n(x + 0.3 * s)},${n(y + 0.7 * s)} ${n(x + 0.1 * s)},${n(y + 0.7 * s)}" fill="#f4d03f"/>`;
      return `${cloudPath(x, y - 0.2 * s, s, fill)}<g stroke="#3b7dd8" stroke-width="${n(0.1 * s)}" stroke-linecap="round">${drops}</g>${bolt}`;
    }
    case 'heart':
      return `<path d="${heartPath(x, y, s)}" fill="${fill}"/>`;
    case 'broken-heart':
      return (
        `<path d="${heartPath(x, y, s)}" fill="${fill}"/>` +
        `<polyline points="${n(x)},${n(y - 0.35 * s)} ${n(x - 0.2 * s)},${n(y)} ${n(x + 0.15 * s)},${n(y + 0.2 * s)} ${n(x - 0.05 * s)},${n(
          y + 0.55 * s,
        )} ${n(x)},${n(y + 0.85 * s)}" fill="none" stroke="#1b1b1b" stroke-width="${n(0.12 * s)}"/>`
      );
    case 'box':
      return (
        `<rect x="${n(x - 0.8 * s)}" y="${n(y - 0.6 * s)}" width="${n(1.6 * s)}" height="${n(1.3 * s)}" fill="${fill}" stroke="#6b5a45" stroke-width="${n(
          0.06 * s,
        )}"/>` +
        `<line x1="${n(x)}" y1="${n(y - 0.6 * s)}" x2="${n(x)}" y2="${n(y + 0.7 * s)}" stroke="#6b5a45" stroke-width="${n(0.12 * s)}"/>`
      );
    case 'scribble': {
      const pts: string[] = [];
      const a = (rot * Math.PI) / 180;
      for (let i = 0; i <= 8; i++) {
        const u = (i / 8 - 0.5) * 2 * s;
        const v = (i % 2 === 0 ? 1 : -1) * 0.25 * s;
        pts.push(`${n(x + u * Math.cos(a) - v * Math.sin(a))},${n(y + u * Math.sin(a) + v * Math.cos(a))}`);
      }
      return `<polyline points="${pts.join(' ')}" fill="none" stroke="${fill}" stroke-width="0.8" stroke-linejoin="round"/>`;
    }
    case 'dot':
      return `<circle cx="${n(x)}" cy="${n(y)}" r="${n(s)}" fill="${fill}"/>`;
    default: {
      const kind: never = it.kind;
      throw new MmauxDatasetError('INVALID_OPTION', `sceneToSvg: unknown item kind ${JSON.stringify(kind)}.`);
    }
  }
}

function texture(scene: SyntheticScene): string {
  const { kind, colour, angle, spacing: sp } = scene.texture;
  if (kind === 'plain') return '';
  let tile: string;
  switch (kind) {
    case 'stripes':
      tile = `<rect width="${n(sp / 2)}" height="${n(sp)}" fill="${colour}"/>`;
      break;
    case 'dots':
      tile = `<circle cx="${n(sp / 2)}" cy="${n(sp / 2)}" r="${n(sp / 5)}" fill="${colour}"/>`;
      break;
    case 'grid':
      tile = `<path d="M 0 0 H ${n(sp)} M 0 0 V ${n(sp)}" stroke="${colour}" stroke-width="${n(sp / 6)}" fill="none"/>`;
      break;
    case 'waves':
      tile = `<path d="M 0 ${n(sp / 2)} Q ${n(sp / 4)} 0 ${n(sp / 2)} ${n(sp / 2)} T ${n(sp)} ${n(sp / 2)}" stroke="${colour}" stroke-width="${n(
        sp / 6,
      )}" fill="none"/>`;
      break;
    default: {
      const k: never = kind;
      throw new MmauxDatasetError('INVALID_OPTION', `sceneToSvg: unknown texture ${JSON.stringify(k)}.`);
    }
  }
  return (
    `<defs><pattern id="t" width="${n(sp)}" height="${n(sp)}" patternUnits="userSpaceOnUse" patternTransform="rotate(${n(angle)})">${tile}</pattern></defs>` +
    '<rect width="100" height="100" fill="url(#t)"/>'
  );
}

/**
 * The SVG of a synthetic scene (no text elements, so no fonts are involved): a 100 × 100 view
 * box drawn at `imageSize` pixels. Noise is not part of the SVG; {@link renderSyntheticImage}
 * adds it after rasterising.
 *
 * @param scene - a {@link SyntheticScene}, e.g. a post's `scene` from {@link generateSyntheticPosts}
 * @param imageSize - output width and height in pixels
 * @returns the SVG document as a string
 *
 * @example
 * ```ts
 * const svg = sceneToSvg({
 *   background: '#ffffff',
 *   texture: { kind: 'plain', colour: '#ffffff', angle: 0, spacing: 8 },
 *   items: [{ kind: 'circle', fill: '#d62728', x: 50, y: 50, size: 20, rotation: 0 }],
 *   noise: { amplitude: 0, seed: 0 },
 * }, 32);
 * svg.includes('<circle cx="50" cy="50" r="20" fill="#d62728"/>'); // true
 * ```
 */
export function sceneToSvg(scene: SyntheticScene, imageSize: number): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${imageSize}" height="${imageSize}" viewBox="0 0 100 100" shape-rendering="geometricPrecision">` +
    `<rect width="100" height="100" fill="${scene.background}"/>` +
    texture(scene) +
    scene.items.map(drawItem).join('') +
    '</svg>'
  );
}
