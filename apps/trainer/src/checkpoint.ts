// The state after a completed epoch — model weights, optimizer moments and step count, the epoch
// records — written as one folder swapped in atomically, so `--resume` continues exactly there.
import { join } from 'node:path';
import { readSafetensors, writeSafetensors } from '@mmaux/encoders';
import { AdamW, loadFusionModel, type FusionModel } from '@mmaux/fusion';
import * as tf from '@tensorflow/tfjs';
import { MmauxTrainerError } from './errors.js';
import { completedDir, replaceDirAtomic, writeJson } from './files.js';
import { readJsonObject } from './read-files.js';
import type { EpochRecord } from './run-files.js';

/** What `state.json` holds. */
export interface CheckpointState {
  /** Epochs completed (1-based count). */
  epoch: number;
  /** Epoch with the best validation macro-F1 so far, and that score. */
  bestEpoch: number;
  bestValF1: number;
  /** Every epoch's record so far (metrics.jsonl is rewritten from these on resume). */
  records: EpochRecord[];
}

/** Writes the checkpoint folder (model, optimizer.safetensors, state.json) atomically. */
export async function saveCheckpoint(dir: string, model: FusionModel, optimizer: AdamW, state: CheckpointState): Promise<void> {
  // Moments are keyed by tfjs variable ids, which differ in another process: store them under
  // the model's stable weight names instead.
  const stable = new Map(model.weights.map((w) => [w.variable.name, w.name]));
  const weights = await optimizer.getWeights();
  const tensors = await Promise.all(
    weights.map(async ({ name, tensor }) => ({
      name: renameMoment(name, stable),
      dtype: 'F32' as const,
      shape: tensor.shape,
      // As float32 whatever the dtype: the step count is an int32 tensor.
      data: new Uint8Array(Float32Array.from(await tensor.data()).buffer),
    })),
  );
  await replaceDirAtomic(dir, async (tmp) => {
    await model.save(join(tmp, 'model'));
    await writeSafetensors(join(tmp, 'optimizer.safetensors'), tensors);
    await writeJson(join(tmp, 'state.json'), state);
  });
}

/**
 * Reads a checkpoint back: the model, the optimizer's state (into `optimizer`, or the one
 * `optimizer(model)` makes: its parameter groups name the loaded model's variables) and the state.
 */
export async function loadCheckpoint(dir: string, optimizerOrFactory: AdamW | ((model: FusionModel) => AdamW)): Promise<{ model: FusionModel; state: CheckpointState; optimizer: AdamW }> {
  const found = completedDir(dir);
  if (found === null) {
    throw new MmauxTrainerError('NOT_FOUND', `no checkpoint in ${dir}: the run has not completed an epoch yet; start it again without --resume (add --force to replace the folder).`);
  }
  const state = (await readJsonObject('loadCheckpoint', join(found, 'state.json'))) as unknown as CheckpointState;
  const model = await loadFusionModel(join(found, 'model'));
  const optimizer = typeof optimizerOrFactory === 'function' ? optimizerOrFactory(model) : optimizerOrFactory;
  const { tensors } = await readSafetensors(join(found, 'optimizer.safetensors'));
  // tfjs reads the step count from the first weight ('iter', as getWeights wrote it).
  const entries = Object.entries(tensors).sort(([a], [b]) => Number(b === 'iter') - Number(a === 'iter'));
  const ids = new Map(model.weights.map((w) => [w.name, w.variable.name]));
  const named = entries.map(([name, t]) => ({ name: renameMoment(name, ids), tensor: tf.tensor(t.data as Float32Array, t.shape, 'float32') }));
  await optimizer.setWeights(named);
  tf.dispose(named.map((n) => n.tensor));
  return { model, state, optimizer };
}

/** `<variable>/m` → `<other name>/m` (and `/v`); `iter` and unknown names stay. */
function renameMoment(name: string, names: ReadonlyMap<string, string>): string {
  const cut = name.lastIndexOf('/');
  const to = cut > 0 ? names.get(name.slice(0, cut)) : undefined;
  return to === undefined ? name : `${to}${name.slice(cut)}`;
}
