// Checks shared by the text and image encoder stacks' configs (from a Hugging Face config.json
// or written by hand): each failure is INVALID_OPTION naming the field and the value.
import { MmauxFusionError } from './errors.js';
import type { TextEncoderActivation } from './text-layers/config.js';

/** @internal HF `hidden_act` values mapped to the activations the stacks compute. */
export const HF_ACTIVATIONS: Readonly<Record<string, TextEncoderActivation>> = {
  gelu: 'gelu',
  gelu_python: 'gelu',
  gelu_new: 'gelu_tanh',
  gelu_pytorch_tanh: 'gelu_tanh',
};

/** @internal Throws INVALID_OPTION `${fn}: ${message}`. */
export function fail(fn: string, message: string): never {
  throw new MmauxFusionError('INVALID_OPTION', `${fn}: ${message}`);
}

/** @internal `v` as an integer ≥ `min`. */
export function integer(fn: string, name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(fn, `${name} must be an integer ≥ ${min}, got ${JSON.stringify(v)}.`);
  return v as number;
}

/** @internal `v` as a number in [0, 1) (a dropout rate). */
export function fraction(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v >= 1) fail(fn, `${name} must be in [0, 1), got ${JSON.stringify(v)}.`);
  return v as number;
}

/** @internal `v` as a finite number > 0. */
export function positive(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) fail(fn, `${name} must be a positive number, got ${JSON.stringify(v)}.`);
  return v as number;
}
