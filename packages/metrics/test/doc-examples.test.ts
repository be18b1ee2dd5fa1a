import { describe, expect, it } from 'vitest';
import { collectExamples, runExample, undocumented } from '../../../scripts/test-utils/doc-examples.js';
import * as metrics from '../src/index.js';

const examples = collectExamples(new URL('../src/', import.meta.url));

describe('TSDoc examples in src/ run and print what they say', () => {
  it('every exported function and class has an example', () => {
    expect(undocumented(metrics, examples)).toEqual([]);
  });

  it.each(examples.map((e) => [e.file, e] as const))('%s', async (_file, example) => {
    await runExample(example.code, { ...metrics });
  });
});
