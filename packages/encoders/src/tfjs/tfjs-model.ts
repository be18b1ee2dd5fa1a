// One interface over a tfjs-converter GraphModel and a tfjs-layers LayersModel: their inputs,
// their node graph (for choosing the feature node) and running them up to any named nodes.
import type { Tensor } from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { MmauxEncoderError } from '../errors.js';
import type { FeatureGraph, GraphNode } from './feature-nodes.js';
import type { TfjsModelSource } from './model-source.js';
import { type ModuleImporter, type TfCore, loadTfjsConverter, loadTfjsLayers } from './tfjs-runtime.js';

/** @internal One input of a model. */
export interface ModelInput {
  name: string;
  /** Dimensions, -1 where unknown (the batch); `null` when the model does not say. */
  shape: number[] | null;
  dtype: string;
}

/** @internal A loaded model, runnable up to named nodes. */
export interface TfjsRunner {
  readonly inputs: readonly ModelInput[];
  readonly graph: FeatureGraph;
  /** Runs the model on `feeds` (input name → tensor) and returns the tensors of `nodes`, in order; the caller disposes them. */
  run(feeds: Record<string, Tensor>, nodes: readonly string[]): Promise<Tensor[]>;
  dispose(): void;
}

const stripPort = (name: string): string => name.replace(/^\^/, '').replace(/:\d+$/, '');

function graphOf(kind: 'graph' | 'layers', nodes: GraphNode[], output: string): FeatureGraph {
  const map = new Map(nodes.map((n) => [n.name, n]));
  // Order: depth-first from the output, inputs first, so "near the output" means late in the list.
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (start: string): void => {
    const stack: Array<[string, boolean]> = [[start, false]];
    while (stack.length > 0) {
      const [name, done] = stack.pop()!;
      if (done) {
        order.push(name);
        continue;
      }
      if (seen.has(name) || !map.has(name)) continue;
      seen.add(name);
      stack.push([name, true]);
      for (const i of [...map.get(name)!.inputs].reverse()) if (!seen.has(i)) stack.push([i, false]);
    }
  };
  visit(output);
  for (const n of nodes) visit(n.name);
  return { kind, nodes: map, order, output };
}

function graphModelRunner(model: GraphModel, modelTopology: unknown): TfjsRunner {
  const topology = (modelTopology ?? {}) as { node?: Array<{ name: string; op: string; input?: string[] }> };
  const nodes: GraphNode[] = (topology.node ?? []).map((n) => ({
    name: n.name,
    op: n.op,
    inputs: (n.input ?? []).filter((i) => !i.startsWith('^')).map(stripPort),
  }));
  const output = stripPort(model.outputNodes[0] ?? nodes[nodes.length - 1]?.name ?? '');
  let async = false;
  return {
    inputs: model.inputs.map((i) => ({ name: i.name, shape: i.shape ? [...i.shape] : null, dtype: String(i.dtype) })),
    graph: graphOf('graph', nodes, output),
    async run(named, names) {
      const outputs = [...names];
      // One input is passed as a tensor, so signature keys that differ from node names never matter.
      const values = Object.values(named);
      const feeds = model.inputs.length === 1 && values.length === 1 ? values[0]! : named;
      if (!async) {
        try {
          const r = model.execute(feeds, outputs);
          return Array.isArray(r) ? r : [r];
        } catch (e) {
          // Control flow and dynamic shapes (NonMaxSuppression, Where, loops) need the async executor.
          if (!/executeAsync/.test((e as Error).message)) throw e;
          async = true;
        }
      }
      const r = await model.executeAsync(feeds, outputs);
      return Array.isArray(r) ? r : [r];
    },
    dispose: () => model.dispose(),
  };
}

interface LayerLike {
  name: string;
  getClassName(): string;
  inboundNodes: Array<{ inboundLayers: Array<{ name: string }> }>;
  output: unknown;
}

function layersModelRunner(model: LayersModel, tfl: typeof import('@tensorflow/tfjs-layers')): TfjsRunner {
  const layers = model.layers as unknown as LayerLike[];
  const nodes: GraphNode[] = [
    ...model.inputLayers.map((l) => ({ name: l.name, op: 'InputLayer', inputs: [] })),
    ...layers
      .filter((l) => l.getClassName() !== 'InputLayer')
      .map((l) => ({ name: l.name, op: l.getClassName(), inputs: (l.inboundNodes[0]?.inboundLayers ?? []).map((x) => x.name) })),
  ];
  const output = (model.outputs[0] as unknown as { sourceLayer: { name: string } }).sourceLayer.name;
  const inputNames = model.inputs.map((i) => i.name);
  const subModels = new Map<string, LayersModel>();
  return {
    inputs: model.inputs.map((i) => ({ name: i.name, shape: i.shape.map((d) => (d === null ? -1 : d)), dtype: String(i.dtype) })),
    graph: graphOf('layers', nodes, output),
    async run(feeds, names) {
      const key = names.join('\n');
      let sub = subModels.get(key);
      if (!sub) {
        const outputs = names.map((n) => {
          const out = (model.getLayer(n) as unknown as LayerLike).output;
          return (Array.isArray(out) ? out[0] : out) as ReturnType<typeof tfl.input>;
        });
        sub = tfl.model({ inputs: model.inputs, outputs });
        subModels.set(key, sub);
      }
      const r = sub.predict(inputNames.length === 1 ? feeds[inputNames[0]!]! : inputNames.map((n) => feeds[n]!));
      return Array.isArray(r) ? r : [r];
    },
    dispose: () => model.dispose(),
  };
}

/** @internal Loads a graph or layers model from its artifacts (tf.io.fromMemory). */
export async function loadTfjsRunner(fn: string, spec: string, source: TfjsModelSource, tf: TfCore, importer?: ModuleImporter): Promise<TfjsRunner> {
  const handler = tf.io.fromMemory(source.artifacts);
  const what = source.location.kind === 'file' ? source.location.path : source.location.url;
  try {
    if (source.format === 'graph') {
      const tfc = await loadTfjsConverter(fn, importer);
      return graphModelRunner(await tfc.loadGraphModel(handler), source.artifacts.modelTopology);
    }
    const tfl = await loadTfjsLayers(fn, importer);
    return layersModelRunner(await tfl.loadLayersModel(handler), tfl);
  } catch (e) {
    if (e instanceof MmauxEncoderError) throw e;
    const msg = (e as Error).message ?? String(e);
    const hint = /Unknown layer|Unknown (activation|initializer|regularizer|constraint)/i.test(msg)
      ? ' A custom layer must be registered with tf.serialization.registerClass before loading, or convert the model as a graph model (tensorflowjs_converter --output_format=tfjs_graph_model).'
      : '';
    throw new MmauxEncoderError('MODEL_LOAD_FAILED', `${fn}: TensorFlow.js could not load the ${source.format} model ${what} (from "${spec}"): ${msg}.${hint}`, { cause: e });
  }
}
