import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { readdirSync, readFileSync } from 'node:fs';
import { transform } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import * as losses from '../src/index.js';

// Runs every TSDoc @example in src/ so the documentation cannot drift from the code. A line
// `expr; // value` (or `// ≈ value`) is checked: value is JSON, compared to the precision it
// is written with (0.0486 means ±0.00005). Other comments are prose.

const SRC = new URL('../src/', import.meta.url);

interface Example {
  file: string;
  code: string;
}

function collectExamples(): Example[] {
  const out: Example[] = [];
  for (const file of readdirSync(SRC).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
    const text = readFileSync(new URL(file, SRC), 'utf8');
    for (const m of text.matchAll(/@example\s*\n\s*\* ```ts\n([\s\S]*?)\n\s*\* ```/g)) {
      out.push({ file, code: m[1]!.split('\n').map((l) => l.replace(/^\s*\* ?/, '')).join('\n') });
    }
  }
  return out;
}

function precisionOf(literal: string): number {
  const [mantissa, exponent] = literal.toLowerCase().split('e');
  const decimals = mantissa!.includes('.') ? mantissa!.split('.')[1]!.length : 0;
  const exact = !mantissa!.includes('.') && exponent === undefined;
  return exact ? 1e-9 : 0.5 * 10 ** (-decimals + Number(exponent ?? 0)) * 1.0001;
}

function check(actual: unknown, commentText: string): void {
  const flat = (x: unknown): number[] => (Array.isArray(x) ? x.flatMap(flat) : [Number(x)]);
  const expected = flat(JSON.parse(commentText));
  const tolerances = [...commentText.matchAll(/-?\d+(?:\.\d+)?(?:e-?\d+)?/gi)].map((m) => precisionOf(m[0]));
  const got = flat(actual);
  expect(got.length, `shape of ${commentText}`).toBe(expected.length);
  got.forEach((g, i) => {
    if (!(Math.abs(g - expected[i]!) <= tolerances[i]!)) {
      expect.fail(`documented ${commentText} but got ${JSON.stringify(actual)}`);
    }
  });
}

async function compile(code: string): Promise<string> {
  const checked = code
    .split('\n')
    .map((line) => {
      const m = /^(\s*)(?!const |let |\/\/)(.+?);\s*\/\/\s*(?:≈\s*)?([-\d[][-\d.,eE\s[\]]*?)\s*$/.exec(line);
      return m ? `${m[1]}__check(${m[2]}, ${JSON.stringify(m[3])});` : line;
    })
    .join('\n');
  const { code: js } = await transform(checked, { loader: 'ts', format: 'esm' });
  return js;
}

const examples = collectExamples();

describe('TSDoc examples in src/ run and print what they say', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('finds an example for every exported function and class', () => {
    const documented = examples.map((e) => e.code).join('\n');
    const callable = Object.entries(losses).filter(([, v]) => typeof v === 'function').map(([k]) => k);
    const missing = callable.filter((name) => !new RegExp(`\\b${name}\\b`).test(documented));
    expect(missing).toEqual([]);
  });

  it.each(examples.map((e) => [e.file, e] as const))('%s', async (_file, example) => {
    const js = await compile(example.code);
    const scope = { tf, ...losses, __check: check };
    const run = new Function(...Object.keys(scope), `return (async () => {\n${js}\n})();`);
    await tf.tidy(() => run(...Object.values(scope)));
  });
});
