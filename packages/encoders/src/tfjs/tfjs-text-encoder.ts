import type { Tensor } from '@tensorflow/tfjs-core';
import { MmauxEncoderError } from '../errors.js';
import type { TextFeatureEncoder, TextFeatures } from '../types.js';
import { checkTexts, describe, positiveInt } from '../validate.js';
import { type FeaturePlan, fillFeatures, planFeatures, selectFeatureNodes } from './feature-nodes.js';
import { loadModelSource, resolveModelLocation } from './model-source.js';
import { disposeAll, tensorFloats } from './tensor-data.js';
import { detectTextInputs, resolveTokenizer, textFeeds } from './text-inputs.js';
import { loadTfjsRunner } from './tfjs-model.js';
import type { TfjsTextEncoderOptions } from './tfjs-options.js';
import { loadTfjsCore } from './tfjs-runtime.js';
import type { TfjsTokenizer } from './unigram-tokenizer.js';
import { paddedTextFeatures, type TextRow } from '../text-rows.js';

/**
 * @internal A TensorFlow.js text encoder (`tfjs:` spec): a graph or layers model that takes
 * strings, dense token ids or USE-style sparse ids; features at `#node` or the default node.
 */
export async function createTfjsTextEncoder(spec: string, location: string, node: string | undefined, options: TfjsTextEncoderOptions = {}): Promise<TextFeatureEncoder> {
  const fn = 'createTextEncoder';
  const batchSize = positiveInt(fn, 'batchSize', options.batchSize, 32, 4096);
  const maxOption = positiveInt(fn, 'maxLength', options.maxLength, 128, 1 << 16);
  const padId = options.padId ?? 0;
  if (!Number.isInteger(padId) || padId < 0) throw new MmauxEncoderError('INVALID_OPTION', `${fn}: padId must be an integer ≥ 0, got ${describe(options.padId)}.`);
  const where = resolveModelLocation(fn, spec, location);
  const source = await loadModelSource(fn, spec, where, () => loadTfjsCore(fn), options);
  const tf = await loadTfjsCore(fn);
  const runner = await loadTfjsRunner(fn, spec, source, tf);
  try {
    const inputs = detectTextInputs(fn, spec, runner.inputs);
    const tokenizer: TfjsTokenizer | null = inputs.mode === 'strings' ? null : await resolveTokenizer(fn, spec, options.tokenizer, where, options, inputs);
    const cut = inputs.mode === 'ids' && inputs.fixedLength !== null ? inputs.fixedLength : maxOption;
    const nodes = selectFeatureNodes(fn, spec, runner.graph, node);

    const run = async (texts: readonly string[], fetch: string[], offset: number) => {
      const { feeds, mask, length } = textFeeds(fn, tf, inputs, texts, tokenizer, cut, padId, offset);
      let outs: Tensor[] = [];
      try {
        outs = await runner.run(feeds, fetch);
        const data = await Promise.all(outs.map((t, i) => tensorFloats(t, `${fn}: the node "${fetch[i]}" of "${spec}"`)));
        return { data, shapes: outs.map((t) => [...t.shape]), mask, length };
      } finally {
        disposeAll([...Object.values(feeds), ...outs]);
      }
    };

    const probeFetch = nodes.sequence === null ? [nodes.feature] : [nodes.feature, nodes.sequence];
    let plan: FeaturePlan;
    try {
      const probe = await run(['a'], probeFetch, 0);
      plan = planFeatures(fn, spec, nodes, probe.shapes[0]!, probe.shapes[1] ?? null);
    } catch (e) {
      if (e instanceof MmauxEncoderError) throw e;
      throw new MmauxEncoderError('MODEL_LOAD_FAILED', `${fn}: a test run of "${spec}" on the text "a" failed: ${(e as Error).message}`, { cause: e });
    }
    if (plan.positionsFrom !== 'pooled' && inputs.mode === 'ids' && plan.positions !== cut) {
      throw new MmauxEncoderError(
        'UNSUPPORTED_MODEL',
        `${fn}: the node ${plan.positionsFrom === 'feature' ? nodes.feature : nodes.sequence} of "${spec}" has ${plan.positions} positions for ${cut} token ids; ` +
          'token features must line up with the ids. Pick a pooled node with #<node>.',
      );
    }
    const fetch = plan.positionsFrom === 'sequence' ? probeFetch : [nodes.feature];
    const dim = plan.dim;
    const maxLength = inputs.mode === 'strings' ? plan.positions : cut;
    const nodePart = plan.positionsFrom === 'sequence' ? `${nodes.feature}+${nodes.sequence}` : nodes.feature;
    const inPart = inputs.mode === 'strings' ? 'in=strings' : `in=${inputs.mode};tok=${tokenizer!.id};max=${cut}${inputs.mode === 'ids' ? `;pad=${padId}` : ''}`;
    const id = `tfjs:${where.label};files=${source.fingerprint};node=${nodePart};${inPart};v=1`;
    let disposed = false;

    const runBatch = async (texts: readonly string[], offset: number): Promise<TextRow[]> => {
      const b = texts.length;
      const r = await run(texts, fetch, offset);
      const P = plan.positions;
      const expected = plan.positionsFrom === 'feature' ? b * P * dim : b * dim;
      const given = r.shapes[0]![0];
      if (given !== b) {
        throw new MmauxEncoderError(
          'UNSUPPORTED_MODEL',
          `${fn}: "${spec}" gave ${given} rows for the ${b} texts ${offset}…${offset + b - 1}; a model that drops texts without tokens ` +
            '(SparseSegmentMean over StringSplit, for one) cannot encode empty texts: leave them out or give them a placeholder text.',
        );
      }
      if (r.data[0]!.length !== expected || (plan.positionsFrom === 'sequence' && r.data[1]!.length !== b * P * dim)) {
        throw new MmauxEncoderError('UNSUPPORTED_MODEL', `${fn}: "${spec}" gave [${r.shapes[0]!.join(', ')}] at ${nodes.feature} for texts ${offset}…, but ${P} × ${dim} features per text before.`);
      }
      const positions = new Float32Array(b * P * dim);
      const pooled = new Float32Array(b * dim);
      // Pooled over real tokens only (padding masked), as the model's own mask would.
      fillFeatures(plan, b, r.data[0]!, r.data[1] ?? null, positions, pooled, plan.positionsFrom === 'feature' && r.mask ? r.mask : undefined);
      const rows: TextRow[] = [];
      for (let i = 0; i < b; i++) {
        let keep: number[];
        if (plan.positionsFrom === 'pooled') keep = [0];
        else if (r.mask) keep = Array.from({ length: P }, (_, p) => p).filter((p) => r.mask![i * r.length + p] === 1);
        else keep = Array.from({ length: P }, (_, p) => p);
        const tokens = new Float32Array(keep.length * dim);
        keep.forEach((p, j) => tokens.set(positions.subarray((i * P + p) * dim, (i * P + p + 1) * dim), j * dim));
        rows.push({ tokens, pooled: pooled.slice(i * dim, (i + 1) * dim) });
      }
      return rows;
    };

    return {
      kind: 'text',
      spec,
      id,
      dim,
      maxLength,
      async encode(texts: readonly string[]): Promise<TextFeatures> {
        checkTexts('textEncoder.encode', texts);
        if (disposed) throw new MmauxEncoderError('INVALID_INPUT', `textEncoder.encode: ${id} was disposed; create it again.`);
        const rows: TextRow[] = [];
        for (let s = 0; s < texts.length; s += batchSize) rows.push(...(await runBatch(texts.slice(s, s + batchSize), s)));
        return paddedTextFeatures(rows, dim);
      },
      async dispose(): Promise<void> {
        if (!disposed) {
          disposed = true;
          runner.dispose();
        }
      },
    };
  } catch (e) {
    runner.dispose();
    throw e;
  }
}
