import { describe, expect, it } from 'vitest';
import { collectExamples, runExample, undocumented } from '../../../scripts/test-utils/doc-examples.js';
import { DATASET_CLASSES } from '../src/dataset-classes.js';
import { MmauxDatasetError } from '../src/errors.js';
import * as image from '../src/image/index.js';
import * as synthetic from '../src/synthetic/index.js';

// Runs the TSDoc examples of src/synthetic/ (the package-wide runner may cover them too).
const examples = collectExamples(new URL('../src/synthetic/', import.meta.url));
const api = { ...image, ...synthetic, MmauxDatasetError, DATASET_CLASSES };

describe('TSDoc examples in src/synthetic/ run and print what they say', () => {
  it('every exported function of the synthetic barrel has an example', () => {
    expect(examples.length).toBeGreaterThan(0);
    expect(undocumented(synthetic, examples)).toEqual([]);
  });

  it.each(examples.map((e, i) => [`${e.file} #${i}`, e] as const))('%s', async (_name, example) => {
    await runExample(example.code, api);
  });
});
