// What the text and image encoder stacks share about their checkpoint tensors: finding each
// weight under the names a checkpoint may use, refusing wrong shapes and missing tensors with the
// names, grouping the variables by depth and reading them back.
import { MmauxFusionError } from './errors.js';
import type { NamedWeight } from './weights.js';

/** One tensor of a checkpoint: row-major float32 values and PyTorch's shape (what `loadHfEncoderWeights` of `@mmaux/encoders` returns). */
export interface HfWeight {
  shape: readonly number[];
  data: Float32Array;
}

/** Checkpoint tensors by name (`bert.encoder.layer.0…` or without the prefix). */
export type HfWeightSource = ReadonlyMap<string, HfWeight> | Readonly<Record<string, HfWeight>>;

/** @internal The tensor named `name` in a checkpoint's tensors (a map or a plain object). */
export function hfWeightOf(source: HfWeightSource, name: string): HfWeight | undefined {
  return source instanceof Map ? source.get(name) : (source as Record<string, HfWeight>)[name];
}

/** @internal What {@link checkpointValues} needs to know of a stack. */
export interface CheckpointLookup {
  /** The stack's weights: HF name, shape, depth. */
  specs: readonly { name: string; shape: readonly number[] }[];
  /** The names a checkpoint may hold a weight under, in order of preference. */
  namesOf(name: string): readonly string[];
  /** Whether a weight may be missing (a pooler the checkpoint lacks gets initial values). */
  optional(name: string): boolean;
  /** The model, for a wrong shape: `a ViT with hidden_size …`. */
  model: string;
  /** How the names were looked for, for a missing tensor: `with the prefixes "", "bert."`. */
  lookedFor: string;
  /** The include filter that reads exactly this stack's tensors. */
  filter: string;
}

/**
 * @internal The checkpoint's values of a stack's weights, by weight name. A weight the
 * checkpoint lacks is left out (the caller gives it initial values from `rng`); a required one
 * missing, a wrong shape, or initial values needed without `rng` throw, naming the tensors.
 */
export function checkpointValues(fn: string, lookup: CheckpointLookup, source: HfWeightSource | undefined, rng: unknown): Map<string, Float32Array> {
  const found = new Map<string, Float32Array>();
  const missing: string[] = [];
  if (source !== undefined && (source === null || typeof source !== 'object')) {
    throw new MmauxFusionError('INVALID_OPTION', `${fn}: weights must be a Map or an object of { shape, data } by name, got ${String(source)}.`);
  }
  for (const spec of lookup.specs) {
    const key = source === undefined ? undefined : lookup.namesOf(spec.name).find((n) => hfWeightOf(source, n) !== undefined);
    if (key === undefined) {
      missing.push(spec.name);
      continue;
    }
    const w = hfWeightOf(source!, key)!;
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const shapeOk = Array.isArray(w.shape) && w.shape.length === spec.shape.length && w.shape.every((d, i) => d === spec.shape[i]);
    if (!shapeOk || !(w.data instanceof Float32Array) || w.data.length !== size) {
      throw new MmauxFusionError(
        'WEIGHT_MISMATCH',
        `${fn}: checkpoint tensor ${key} has shape [${Array.isArray(w.shape) ? w.shape.join(', ') : String(w.shape)}] (${w.data?.length ?? 'no'} float32 values), but ${lookup.model} needs [${spec.shape.join(', ')}]; the config.json and the weights come from different models.`,
      );
    }
    found.set(spec.name, w.data);
  }
  const required = missing.filter((name) => !lookup.optional(name));
  if (source !== undefined && required.length > 0) {
    const shown = required.slice(0, 4).join(', ') + (required.length > 4 ? `, … (${required.length} in all)` : '');
    throw new MmauxFusionError(
      'WEIGHT_MISMATCH',
      `${fn}: the checkpoint lacks ${shown} (looked for them ${lookup.lookedFor}); load the model the config describes, and when reading with an include filter, use ${lookup.filter} with the same trainableLayers.`,
    );
  }
  if (missing.length > 0 && typeof rng !== 'function') {
    throw new MmauxFusionError(
      'INVALID_OPTION',
      `${fn}: ${source === undefined ? 'no weights were given' : `the checkpoint has no ${missing.join(', ')}`}, so ${missing.length} weight(s) need initial values: pass rng (e.g. createRng(seed) of @mmaux/losses).`,
    );
  }
  return found;
}

/** A group of weights at one depth, for layer-wise learning-rate decay. */
export interface TextLayerWeightGroup {
  /** 0 embeddings, i + 1 encoder layer i, numLayers + 1 the pooler. */
  depth: number;
  weights: NamedWeight[];
}

/** @internal The trainable variables (`named[i]` of `specs[i]`) grouped by depth, deepest last. */
export function depthGroups(specs: readonly { depth: number }[], named: readonly NamedWeight[]): TextLayerWeightGroup[] {
  const groups = new Map<number, NamedWeight[]>();
  specs.forEach((spec, i) => {
    if (!named[i]!.variable.trainable) return;
    const list = groups.get(spec.depth) ?? [];
    list.push(named[i]!);
    groups.set(spec.depth, list);
  });
  return [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([depth, weights]) => ({ depth, weights }));
}

/** @internal The variables' current values as checkpoint tensors, by name. */
export async function stateDictOf(named: readonly NamedWeight[]): Promise<Map<string, HfWeight>> {
  const out = new Map<string, HfWeight>();
  for (const { name, variable } of named) out.set(name, { shape: [...variable.shape], data: Float32Array.from(await variable.data()) });
  return out;
}
