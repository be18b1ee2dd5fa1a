import { describe, expect, it } from 'vitest';
import { type FeatureGraph, planFeatures, selectFeatureNodes } from '../src/tfjs/feature-nodes.js';

/** A graph from `[name, op, ...inputs]` rows in topological order; the last row is the output. */
function graph(kind: 'graph' | 'layers', rows: Array<[string, string, ...string[]]>): FeatureGraph {
  const nodes = new Map(rows.map(([name, op, ...inputs]) => [name, { name, op, inputs }]));
  return { kind, nodes, order: rows.map((r) => r[0]), output: rows[rows.length - 1]![0] };
}

const pick = (g: FeatureGraph, node?: string) => {
  const { feature, sequence } = selectFeatureNodes('test', 'tfjs:m', g, node);
  return { feature, sequence };
};

describe('tfjs: default feature node', () => {
  it('a TF-slim MobileNet v1 graph: AvgPool → 1×1 Conv2D logits → Squeeze → Softmax gives the AvgPool, its Relu6 map as patches', () => {
    const g = graph('graph', [
      ['input', 'Placeholder'],
      ['w13', 'Const'],
      ['MobilenetV1/Conv2d_13_pointwise/Conv2D', '_FusedConv2D', 'input', 'w13'],
      ['MobilenetV1/Conv2d_13_pointwise/Relu6', 'Relu6', 'MobilenetV1/Conv2d_13_pointwise/Conv2D'],
      ['MobilenetV1/Logits/AvgPool_1a/AvgPool', 'AvgPool', 'MobilenetV1/Conv2d_13_pointwise/Relu6'],
      ['wl', 'Const'],
      ['MobilenetV1/Logits/Conv2d_1c_1x1/Conv2D', '_FusedConv2D', 'MobilenetV1/Logits/AvgPool_1a/AvgPool', 'wl'],
      ['squeeze_dims', 'Const'],
      ['MobilenetV1/Logits/SpatialSqueeze', 'Squeeze', 'MobilenetV1/Logits/Conv2d_1c_1x1/Conv2D'],
      ['MobilenetV1/Predictions/Softmax', 'Softmax', 'MobilenetV1/Logits/SpatialSqueeze'],
    ]);
    expect(pick(g)).toEqual({ feature: 'MobilenetV1/Logits/AvgPool_1a/AvgPool', sequence: 'MobilenetV1/Conv2d_13_pointwise/Relu6' });
  });

  it('a Keras classifier converted to a graph model (_FusedMatMul with the softmax, Identity output) gives the global pooling Mean', () => {
    const g = graph('graph', [
      ['input_1', 'Placeholder'],
      ['k', 'Const'],
      ['StatefulPartitionedCall/model/out_relu/Relu6', '_FusedConv2D', 'input_1', 'k'],
      ['axes', 'Const'],
      ['StatefulPartitionedCall/model/global_average_pooling2d/Mean', 'Mean', 'StatefulPartitionedCall/model/out_relu/Relu6', 'axes'],
      ['dw', 'Const'],
      ['db', 'Const'],
      ['StatefulPartitionedCall/model/predictions/Softmax', '_FusedMatMul', 'StatefulPartitionedCall/model/global_average_pooling2d/Mean', 'dw', 'db'],
      ['Identity', 'Identity', 'StatefulPartitionedCall/model/predictions/Softmax'],
    ]);
    expect(pick(g)).toEqual({
      feature: 'StatefulPartitionedCall/model/global_average_pooling2d/Mean',
      sequence: 'StatefulPartitionedCall/model/out_relu/Relu6',
    });
  });

  it('a feature-vector model (no classifier) gives its output, with the map behind its pooling', () => {
    const g = graph('graph', [
      ['x', 'Placeholder'],
      ['k', 'Const'],
      ['conv', 'Conv2D', 'x', 'k'],
      ['axes', 'Const'],
      ['mean', 'Mean', 'conv', 'axes'],
      ['Identity', 'Identity', 'mean'],
    ]);
    expect(pick(g)).toEqual({ feature: 'Identity', sequence: 'conv' });
  });

  it('an output that adds two computed tensors is not a head: the output itself', () => {
    const g = graph('graph', [
      ['x', 'Placeholder'],
      ['a', 'Relu', 'x'],
      ['b', 'Tanh', 'x'],
      ['sum', 'AddV2', 'a', 'b'],
    ]);
    expect(pick(g)).toEqual({ feature: 'sum', sequence: null });
  });

  it('layers: GlobalAveragePooling2D → Dropout → Dense gives the Dropout (the Dense input) and the conv map; a VGG-style Flatten → Dense stack gives the penultimate Dense', () => {
    const keras = graph('layers', [
      ['input_1', 'InputLayer'],
      ['block_16', 'Conv2D', 'input_1'],
      ['gap', 'GlobalAveragePooling2D', 'block_16'],
      ['dropout', 'Dropout', 'gap'],
      ['predictions', 'Dense', 'dropout'],
    ]);
    expect(pick(keras)).toEqual({ feature: 'dropout', sequence: 'block_16' });
    const vgg = graph('layers', [
      ['input_1', 'InputLayer'],
      ['block5_conv3', 'Conv2D', 'input_1'],
      ['block5_pool', 'MaxPooling2D', 'block5_conv3'],
      ['flatten', 'Flatten', 'block5_pool'],
      ['fc1', 'Dense', 'flatten'],
      ['fc2', 'Dense', 'fc1'],
      ['predictions', 'Dense', 'fc2'],
    ]);
    expect(pick(vgg)).toEqual({ feature: 'fc2', sequence: null });
    // asking for the flatten layer finds the pooling behind it; the shapes decide (a 7×7 pool is no global pool)
    expect(pick(vgg, 'flatten')).toEqual({ feature: 'flatten', sequence: 'block5_conv3' });
  });

  it('a graph #node may carry an output port', () => {
    const g = graph('graph', [
      ['s', 'Placeholder'],
      ['split', 'StringSplit', 's'],
      ['out', 'Identity', 'split'],
    ]);
    expect(pick(g, 'split:1')).toEqual({ feature: 'split:1', sequence: null });
  });
});

describe('tfjs: what the shapes make of the nodes', () => {
  const nodes = { feature: 'f', sequence: 's', byDefault: true };
  it('a pooled vector with a map of the same channels: the map as patches', () => {
    expect(planFeatures('t', 's', nodes, [1, 4], [1, 3, 2, 4])).toEqual({ dim: 4, positions: 6, grid: { rows: 3, cols: 2 }, positionsFrom: 'sequence' });
    // keep_dims pooling [1, 1, 1, 4]
    expect(planFeatures('t', 's', nodes, [1, 1, 1, 4], [1, 3, 3, 4])).toEqual({ dim: 4, positions: 9, grid: { rows: 3, cols: 3 }, positionsFrom: 'sequence' });
    // tokens [1, 7, 4] behind a GlobalAveragePooling1D
    expect(planFeatures('t', 's', nodes, [1, 4], [1, 7, 4])).toEqual({ dim: 4, positions: 7, grid: null, positionsFrom: 'sequence' });
  });

  it('a map with other channels (a local pooling, a Flatten of 7×7) is not used: one position, the vector', () => {
    expect(planFeatures('t', 's', nodes, [1, 4 * 7 * 7], [1, 14, 14, 4])).toEqual({ dim: 196, positions: 1, grid: null, positionsFrom: 'pooled' });
    expect(planFeatures('t', 's', nodes, [1, 5], null)).toEqual({ dim: 5, positions: 1, grid: null, positionsFrom: 'pooled' });
  });

  it('a map node itself gives its positions', () => {
    expect(planFeatures('t', 's', nodes, [1, 5, 5, 8], [1, 10, 10, 8])).toEqual({ dim: 8, positions: 25, grid: { rows: 5, cols: 5 }, positionsFrom: 'feature' });
    expect(planFeatures('t', 's', nodes, [1, 9, 8], null)).toEqual({ dim: 8, positions: 9, grid: null, positionsFrom: 'feature' });
  });

  it('a rank-5 node is refused, naming the node and the shape', () => {
    expect(() => planFeatures('createImageEncoder', 'tfjs:m', nodes, [1, 2, 2, 2, 2], null)).toThrow('the node "f" of "tfjs:m" gives a tensor of shape [1, 2, 2, 2, 2]');
  });
});
