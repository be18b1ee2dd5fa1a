import { createRng } from '@mmaux/losses';

/** Paired text/image feature vectors that share a hidden per-post latent, with class labels. */
export interface SyntheticPairs {
  text: number[][];
  image: number[][];
  labels: number[];
  numClasses: number;
}

/**
 * Posts whose text and image features are two noisy linear views of one latent vector drawn
 * around its class centre: the pairing carries information the class label alone does not.
 * Classes are imbalanced (weights 3 : 2 : 1), so balanced class weights matter.
 */
export function syntheticPairs(count: number, seed: number): SyntheticPairs {
  const rng = createRng(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const latentDim = 8;
  const numClasses = 3;
  const matrix = (rows: number, cols: number) => Array.from({ length: rows }, () => Array.from({ length: cols }, gaussian));
  // Fixed for a seed: class centres and the two "encoders" (text 24-d, image 32-d).
  const centres = matrix(numClasses, latentDim);
  const toText = matrix(24, latentDim);
  const toImage = matrix(32, latentDim);
  const project = (m: number[][], z: number[], noise: number) => m.map((row) => row.reduce((a, w, k) => a + w * z[k]!, 0) + noise * gaussian());
  const text: number[][] = [];
  const image: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < count; i++) {
    const u = rng();
    const label = u < 0.5 ? 0 : u < 5 / 6 ? 1 : 2;
    const z = centres[label]!.map((c) => 0.6 * c + gaussian());
    text.push(project(toText, z, 0.5));
    image.push(project(toImage, z, 0.5));
    labels.push(label);
  }
  return { text, image, labels, numClasses };
}
