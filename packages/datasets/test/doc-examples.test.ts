import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectExamples, runExample, undocumented } from '../../../scripts/test-utils/doc-examples.js';
import * as image from '../src/image/index.js';
import * as datasets from '../src/index.js';
import * as synthetic from '../src/synthetic/index.js';

// The examples of src/ outside image/ and synthetic/ (those folders run theirs in
// image-doc-examples.test.ts and synthetic-doc-examples.test.ts).
const examples = collectExamples(new URL('../src/', import.meta.url)).filter((e) => !/^(image|synthetic)[\\/]/.test(e.file));
const others = new Set([...Object.keys(image), ...Object.keys(synthetic)]);
const api = Object.fromEntries(Object.entries(datasets).filter(([k]) => !others.has(k)));

describe('TSDoc examples in src/ run and print what they say', () => {
  it('every exported function and class has an example', () => {
    expect(undocumented(api, examples)).toEqual([]);
  });

  it.each(examples.map((e, i) => [`${e.file} #${i}`, e] as const))('%s', async (_name, example) => {
    await runExample(example.code, { ...datasets, fs, os, path });
  });
});
