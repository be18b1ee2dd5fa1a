import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { runDemo } from '../src/demo.js';

describe('quickstart example', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('the README shows the tested snippet verbatim', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const snippet = readFileSync(new URL('../src/readme-snippet.ts', import.meta.url), 'utf8');
    expect(readme).toContain(snippet.trim());
  });

  it('trains: CE falls, +C+M aligns text with image far above chance, results repeat for a seed', () => {
    const lines: string[] = [];
    const run = () => runDemo({ epochs: 6, posts: 240, log: (l) => lines.push(l) });
    const [base, aux] = run();
    expect(base!.lastLoss).toBeLessThan(base!.firstLoss);
    expect(aux!.lastLoss).toBeLessThan(aux!.firstLoss);
    expect(aux!.accuracy).toBeGreaterThan(0.5); // 3 classes
    // 60 held-out images: chance top-1 is 1/60. ITC makes retrieval work; CE alone does not aim for it.
    expect(aux!.retrievalTop1).toBeGreaterThan(0.2);
    expect(aux!.retrievalTop1).toBeGreaterThan(base!.retrievalTop1);
    expect(run()).toEqual([base, aux]);
    expect(lines.some((l) => l.includes('+C+M  epoch  6'))).toBe(true);
  });
});
