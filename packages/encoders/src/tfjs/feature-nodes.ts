// Which node of a tfjs model gives the features: the one named after `#`, or by default the
// input of the classifier head (the pooled / penultimate layer), never the logits. And the
// spatial (or token) node behind a global pooling, kept as patches (or tokens).
import { MmauxEncoderError } from '../errors.js';

/** @internal A node (graph model) or layer (layers model). */
export interface GraphNode {
  name: string;
  /** Graph op (`Mean`, `_FusedMatMul`, …) or layer class (`GlobalAveragePooling2D`, `Dense`, …). */
  op: string;
  /** Names of the nodes it reads, ports and control inputs stripped. */
  inputs: string[];
}

/** @internal The structure of a model, as far as node selection needs it. */
export interface FeatureGraph {
  kind: 'graph' | 'layers';
  nodes: Map<string, GraphNode>;
  /** Topological order (inputs before the nodes that read them). */
  order: string[];
  /** The model's (first) output node. */
  output: string;
}

/** @internal What to fetch. */
export interface FeatureNodes {
  /** The features (pooled vector, or a spatial / token map). */
  feature: string;
  /** The spatial or token map a global pooling made `feature` from, or `null`. */
  sequence: string | null;
  /** Whether `feature` was chosen by default (for messages). */
  byDefault: boolean;
}

// Ops after a classifier that only rescale or reshape its output (softmax, bias, identity).
const HEAD_TAIL = new Set(['Identity', 'Softmax', 'LogSoftmax', 'Sigmoid', 'BiasAdd', 'Add', 'AddV2', 'Reshape', 'Squeeze', 'StopGradient', 'Activation', 'Dropout']);
// A linear classifier: graph MatMul (the converter fuses bias and activation into _FusedMatMul) or a Dense layer.
const CLASSIFIER = new Set(['MatMul', '_FusedMatMul', 'Dense']);
// A 1×1 convolution used as the classifier on a pooled map (MobileNet v1's Logits/Conv2d_1c_1x1).
const CONV_CLASSIFIER = new Set(['Conv2D', '_FusedConv2D']);
// Ops between a pooling and what reads its result that keep the values.
const PASS = new Set(['Identity', 'Reshape', 'Squeeze', 'StopGradient', 'Dropout', 'Flatten']);
const POOL = new Set([
  'Mean',
  'Max',
  'AvgPool',
  'MaxPool',
  'GlobalAveragePooling2D',
  'GlobalMaxPooling2D',
  'GlobalAveragePooling1D',
  'GlobalMaxPooling1D',
  'AveragePooling2D',
  'MaxPooling2D',
]);

/** @internal The inputs of a node that are not constants (weights, axes, shapes). */
export function dataInputs(graph: FeatureGraph, name: string): string[] {
  const node = graph.nodes.get(name);
  if (!node) return [];
  return node.inputs.filter((i) => {
    const n = graph.nodes.get(i);
    return n !== undefined && n.op !== 'Const';
  });
}

const single = (graph: FeatureGraph, name: string): string | null => {
  const d = dataInputs(graph, name);
  return d.length === 1 ? d[0]! : null;
};

/** The global pooling `name` was made by (through reshapes and identities), or `null`. */
function poolBehind(graph: FeatureGraph, name: string): string | null {
  let cur: string | null = name;
  for (let steps = 0; cur !== null && steps < 16; steps++) {
    const op = graph.nodes.get(cur)?.op ?? '';
    if (POOL.has(op)) return cur;
    if (!PASS.has(op)) return null;
    cur = single(graph, cur);
  }
  return null;
}

/** @internal The default feature node: the input of the classifier head, else the output. */
export function defaultFeatureNode(graph: FeatureGraph): string {
  let cur: string | null = graph.output;
  for (let steps = 0; cur !== null && steps < 16; steps++) {
    const op = graph.nodes.get(cur)?.op ?? '';
    const input = single(graph, cur);
    if (CLASSIFIER.has(op) && input !== null) return input;
    if (CONV_CLASSIFIER.has(op) && input !== null && poolBehind(graph, input) !== null) return input;
    if (!HEAD_TAIL.has(op)) break;
    cur = input;
  }
  return graph.output;
}

/** @internal Node names for an error message: the last ones before the output, and the pooling ones. */
export function candidateNodes(graph: FeatureGraph, limit = 12): string {
  const named = graph.order.filter((n) => graph.nodes.get(n)?.op !== 'Const');
  const tail = named.slice(-limit);
  const pools = named.filter((n) => POOL.has(graph.nodes.get(n)!.op) && !tail.includes(n));
  return [...pools.slice(-4), ...tail].map((n) => `${n} (${graph.nodes.get(n)!.op})`).join(', ');
}

/**
 * @internal Chooses the feature node (`requested`, the `#node` of the spec, or the default) and
 * the spatial / token node behind it.
 *
 * @throws MmauxEncoderError `UNKNOWN_NODE` when `requested` is not in the model
 */
export function selectFeatureNodes(fn: string, spec: string, graph: FeatureGraph, requested: string | undefined): FeatureNodes {
  let feature: string;
  if (requested !== undefined) {
    const bare = graph.kind === 'graph' ? requested.replace(/:\d+$/, '') : requested;
    if (!graph.nodes.has(bare)) {
      throw new MmauxEncoderError(
        'UNKNOWN_NODE',
        `${fn}: "${spec}" asks for the ${graph.kind === 'graph' ? 'node' : 'layer'} "${requested}", which the ${graph.kind} model does not have. ` +
          `${graph.kind === 'graph' ? 'Nodes' : 'Layers'} near the output: ${candidateNodes(graph)}; leave out #… for the default (${defaultFeatureNode(graph)}).`,
      );
    }
    feature = requested;
  } else {
    feature = defaultFeatureNode(graph);
  }
  const bare = feature.replace(/:\d+$/, '');
  const pool = poolBehind(graph, graph.kind === 'graph' ? bare : feature);
  const sequence = pool === null ? null : single(graph, pool);
  return { feature, sequence, byDefault: requested === undefined };
}

/** @internal How the fetched tensors become patches / tokens and a pooled vector. */
export interface FeaturePlan {
  /** Feature size D. */
  dim: number;
  /** Positions per input (patches or tokens). */
  positions: number;
  /** Grid rows × cols of a spatial map, else `null`. */
  grid: { rows: number; cols: number } | null;
  /** Where the positions come from: the feature node itself, the sequence node, or the pooled vector (one position). */
  positionsFrom: 'feature' | 'sequence' | 'pooled';
}

const perExample = (shape: readonly number[]): number => shape.slice(1).reduce((a, b) => a * b, 1);

/** A spatial [b, h, w, c] or token [b, t, c] map with more than one position, as rows × cols. */
function mapShape(shape: readonly number[]): { rows: number; cols: number; positions: number; dim: number } | null {
  if (shape.length === 4 && (shape[1] as number) * (shape[2] as number) > 1) {
    return { rows: shape[1] as number, cols: shape[2] as number, positions: (shape[1] as number) * (shape[2] as number), dim: shape[3] as number };
  }
  if (shape.length === 3 && (shape[1] as number) > 1) return { rows: 1, cols: shape[1] as number, positions: shape[1] as number, dim: shape[2] as number };
  return null;
}

/**
 * @internal Decides, from the shapes of a test run, what becomes positions and pooled: a map
 * node (`[b, h, w, c]` or `[b, t, c]`) gives its positions and their mean; a vector node gives
 * the pooled vector, with the sequence node's positions when that has the same channels.
 */
export function planFeatures(fn: string, spec: string, nodes: FeatureNodes, featureShape: readonly number[], sequenceShape: readonly number[] | null): FeaturePlan {
  if (featureShape.length > 4 || featureShape.length < 1) {
    throw new MmauxEncoderError(
      'UNSUPPORTED_MODEL',
      `${fn}: the node "${nodes.feature}" of "${spec}" gives a tensor of shape [${featureShape.join(', ')}]; features must be [batch, dim], [batch, tokens, dim] or [batch, h, w, channels]. Pick another node with #<node>.`,
    );
  }
  const own = mapShape(featureShape);
  if (own !== null) {
    return { dim: own.dim, positions: own.positions, grid: featureShape.length === 4 ? { rows: own.rows, cols: own.cols } : null, positionsFrom: 'feature' };
  }
  const dim = Math.max(1, perExample(featureShape));
  const seq = sequenceShape === null ? null : mapShape(sequenceShape);
  if (seq !== null && seq.dim === dim) {
    return { dim, positions: seq.positions, grid: sequenceShape!.length === 4 ? { rows: seq.rows, cols: seq.cols } : null, positionsFrom: 'sequence' };
  }
  return { dim, positions: 1, grid: null, positionsFrom: 'pooled' };
}

/**
 * @internal Fills `positions` (`[b, P, D]`) and `pooled` (`[b, D]`) from the fetched data.
 * `weights` (optional, `[b, P]`) restricts the mean of a map to real positions (text masks).
 */
export function fillFeatures(
  plan: FeaturePlan,
  b: number,
  feature: Float32Array,
  sequence: Float32Array | null,
  positions: Float32Array,
  pooled: Float32Array,
  weights?: Uint8Array,
): void {
  const { dim: D, positions: P } = plan;
  if (plan.positionsFrom === 'feature') {
    positions.set(feature.subarray(0, b * P * D));
    for (let i = 0; i < b; i++) {
      let count = 0;
      for (let p = 0; p < P; p++) {
        if (weights && weights[i * P + p] === 0) continue;
        count++;
        for (let d = 0; d < D; d++) pooled[i * D + d]! += feature[(i * P + p) * D + d] as number;
      }
      for (let d = 0; d < D; d++) pooled[i * D + d]! /= Math.max(1, count);
    }
    return;
  }
  pooled.set(feature.subarray(0, b * D));
  if (plan.positionsFrom === 'sequence') positions.set(sequence!.subarray(0, b * P * D));
  else positions.set(feature.subarray(0, b * D));
}
