import { mkdtemp as mkdtempFs, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blankImage, encodePng } from '@mmaux/datasets';
import { afterAll, describe, expect, it } from 'vitest';
import { collectExamples, runExample, undocumented } from '../../../scripts/test-utils/doc-examples.js';
import * as encoders from '../src/index.js';

const examples = collectExamples(new URL('../src/', import.meta.url));

// The examples make temporary folders with mkdtemp; they are removed afterwards.
const made: string[] = [];
const mkdtemp = async (prefix: string) => {
  const dir = await mkdtempFs(prefix);
  made.push(dir);
  return dir;
};
afterAll(async () => {
  await Promise.all(made.map((d) => rm(d, { recursive: true, force: true })));
});

describe('TSDoc examples in src/ run and print what they say', () => {
  it('every exported function and class has an example', () => {
    expect(undocumented(encoders, examples)).toEqual([]);
  });

  it.each(examples.map((e) => [e.file, e] as const))('%s', async (_file, example) => {
    // Node helpers the examples use for temporary folders and files, and @mmaux/datasets' blank images.
    await runExample(example.code, { ...encoders, mkdtemp, truncate, writeFile, tmpdir, join, blankImage, encodePng });
  });
});
