import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '@mmaux/losses';
import { beforeAll, describe, expect, it } from 'vitest';
import { collectExamples, runExample, undocumented } from '../../../scripts/test-utils/doc-examples.js';
import * as fusion from '../src/index.js';

const examples = collectExamples(new URL('../src/', import.meta.url));

describe('TSDoc examples in src/ run and print what they say', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('every exported function and class has an example', () => {
    expect(undocumented(fusion, examples)).toEqual([]);
  });

  it.each(examples.map((e) => [e.file, e] as const))('%s', async (_file, example) => {
    // The examples create tensors freely; a scope frees them afterwards.
    tf.engine().startScope();
    try {
      await runExample(example.code, { tf, os, createRng, ...fusion });
    } finally {
      tf.engine().endScope();
    }
  });
});
