import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@mmaux/losses';
import { MmauxFusionError } from './errors.js';

/** A model weight with its stable name (e.g. `attention/q/kernel`). */
export interface NamedWeight {
  /** Stable name, the key under which the weight is saved and loaded. */
  name: string;
  /** The tfjs variable (its own `name` is tfjs's unique id, not the stable name). */
  variable: tf.Variable;
}

/** Glorot (Xavier) uniform values, `U(±√(6/(fanIn + fanOut)))`, from `rng`. */
export function glorotUniform(rng: Rng, fanIn: number, fanOut: number, size = fanIn * fanOut): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = (2 * rng() - 1) * limit;
  return out;
}

/** Normal values with standard deviation `std`, truncated at 2σ (BERT's embedding init), from `rng`. */
export function truncatedNormal(rng: Rng, size: number, std: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    let z: number;
    do {
      // Box–Muller; 1 − u keeps the log argument in (0, 1].
      const u = 1 - rng();
      const v = rng();
      z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    } while (Math.abs(z) > 2);
    out[i] = z * std;
  }
  return out;
}

/**
 * The named, seeded weights of one model. Weights are created in a fixed order from one
 * generator, so the same seed and configuration give the same values on every backend.
 */
export class WeightStore {
  private readonly byName = new Map<string, tf.Variable>();
  private readonly order: NamedWeight[] = [];

  constructor(private readonly rng: Rng) {}

  private add(name: string, values: Float32Array, shape: number[]): tf.Variable {
    if (this.byName.has(name)) {
      throw new MmauxFusionError('INVALID_OPTION', `WeightStore: weight ${name} is defined twice.`);
    }
    const variable = tf.tidy(() => tf.variable(tf.tensor(values, shape, 'float32'), true));
    this.byName.set(name, variable);
    this.order.push({ name, variable });
    return variable;
  }

  /** A `[fanIn, fanOut]` kernel, Glorot uniform. */
  kernel(name: string, fanIn: number, fanOut: number): tf.Variable {
    return this.add(name, glorotUniform(this.rng, fanIn, fanOut), [fanIn, fanOut]);
  }

  zeros(name: string, shape: number[]): tf.Variable {
    return this.add(name, new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
  }

  ones(name: string, shape: number[]): tf.Variable {
    return this.add(name, new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(1), shape);
  }

  /** Truncated normal, std 0.02 by default (embeddings, learned tokens). */
  normal(name: string, shape: number[], std = 0.02): tf.Variable {
    return this.add(name, truncatedNormal(this.rng, shape.reduce((a, b) => a * b, 1), std), shape);
  }

  /** Registers an existing variable (the logit scale) under a stable name. */
  adopt(name: string, variable: tf.Variable): void {
    if (this.byName.has(name)) {
      throw new MmauxFusionError('INVALID_OPTION', `WeightStore: weight ${name} is defined twice.`);
    }
    this.byName.set(name, variable);
    this.order.push({ name, variable });
  }

  get(name: string): tf.Variable {
    const v = this.byName.get(name);
    if (v === undefined) throw new MmauxFusionError('WEIGHT_MISMATCH', `WeightStore: no weight named ${name}.`);
    return v;
  }

  list(): readonly NamedWeight[] {
    return this.order;
  }
}

/** A dense layer's weights, `prefix/kernel` and (unless `bias: false`) `prefix/bias`. */
export interface DenseWeights {
  kernel: tf.Variable;
  bias?: tf.Variable;
}

export function denseWeights(store: WeightStore, prefix: string, fanIn: number, fanOut: number, bias = true): DenseWeights {
  const kernel = store.kernel(`${prefix}/kernel`, fanIn, fanOut);
  return bias ? { kernel, bias: store.zeros(`${prefix}/bias`, [fanOut]) } : { kernel };
}

/** A layer norm's weights, `prefix/gamma` (ones) and `prefix/beta` (zeros). */
export interface NormWeights {
  gamma: tf.Variable;
  beta: tf.Variable;
}

export function normWeights(store: WeightStore, prefix: string, width: number): NormWeights {
  return { gamma: store.ones(`${prefix}/gamma`, [width]), beta: store.zeros(`${prefix}/beta`, [width]) };
}
