import type { Split } from '../types.js';

const NAMES: Readonly<Record<string, Split>> = {
  train: 'train',
  training: 'train',
  val: 'val',
  valid: 'val',
  validation: 'val',
  dev: 'val',
  test: 'test',
  testing: 'test',
};

/**
 * @internal A split name as data files write it (`train`, `val`, `valid`, `validation`,
 * `dev`, `test`, any case): the split, `''` for an empty cell, undefined for anything else.
 */
export function splitName(value: string | undefined | null): Split | '' | undefined {
  if (value === undefined || value === null) return '';
  const v = value.trim().toLowerCase();
  if (v === '') return '';
  return NAMES[v];
}
