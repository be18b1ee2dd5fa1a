import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { NodeResult } from './node-entry.js';

const execFileAsync = promisify(execFile);

/**
 * Runs the bundled Node script (`node-run.mjs`, its imports resolved from the user project's
 * node_modules) in a child process of its own — a fresh tfjs engine, as a user's program has —
 * and returns what it printed.
 *
 * @throws Error with the script's stderr when it fails or prints no `RESULT` line
 */
export async function runNode(nodeScript: string, cwd: string, backend: 'wasm' | 'cpu', seeds: number[]): Promise<NodeResult> {
  const args = [nodeScript, backend, ...seeds.map(String)];
  let stdout: string;
  let stderr: string;
  try {
    ({ stdout, stderr } = await execFileAsync(process.execPath, args, { cwd, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }));
  } catch (err) {
    const e = err as { message: string; stderr?: string };
    throw new Error(`node ${args.join(' ')} failed: ${e.message}\n${e.stderr ?? ''}`);
  }
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (line === undefined) throw new Error(`node ${args.join(' ')} printed no RESULT line.\nstdout: ${stdout}\nstderr: ${stderr}`);
  return JSON.parse(line.slice('RESULT '.length)) as NodeResult;
}
