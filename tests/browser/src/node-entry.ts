// The Node run: `node node-run.mjs <wasm|cpu> <seed>…` starts the backend through selectBackend
// (one thread), runs the scenario once per seed and prints one line `RESULT <json>`.
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@mmaux/fusion';
import { runScenario, type ScenarioResult } from './scenario.js';

/** The line the Node run prints. */
export interface NodeResult {
  backend: string;
  reason: string;
  runs: ScenarioResult[];
}

const [backend, ...seeds] = process.argv.slice(2);
if (backend !== 'wasm' && backend !== 'cpu') throw new Error(`node-run: backend must be wasm or cpu, got ${String(backend)}`);
const chosen = await selectBackend(backend, { threads: 1 });
const runs: ScenarioResult[] = [];
for (const seed of seeds) runs.push(await runScenario(Number(seed)));
const result: NodeResult = { backend: tf.getBackend(), reason: chosen.reason, runs };
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
