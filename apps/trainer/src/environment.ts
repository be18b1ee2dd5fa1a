// Which backend runs and which versions of everything: chosen once per process, recorded per run.
import { createRequire } from 'node:module';
import { type BackendChoice, type BackendSelection, preferredWasmThreads, selectBackend } from '@mmaux/fusion';
import { finetunedImageLayers, finetunedTextLayers, type RunConfig } from './config.js';
import type { RunEnvironment } from './run-files.js';

const require = createRequire(import.meta.url);
let selected: { choice: BackendChoice; threads: number | null; selection: Promise<BackendSelection> } | null = null;

/**
 * The backend of a run (train, eval, predict): its `--threads`, else the thread count that trains
 * its kind fastest (1 for late fusion on frozen features; the cores for transformer kinds and for
 * fine-tuned encoder layers, whose large products a second thread speeds up). A run saved before
 * `--threads` existed lacks the key.
 */
export function useRunBackend(config: Pick<RunConfig, 'backend' | 'model'> & Partial<Pick<RunConfig, 'threads' | 'finetuneTextLayers' | 'finetuneImageLayers'>>): Promise<BackendSelection> {
  const preferred = preferredWasmThreads(config.model, { textLayers: finetunedTextLayers(config), imageLayers: finetunedImageLayers(config) });
  return useBackend(config.backend, config.threads ?? preferred ?? null);
}

/**
 * Selects the tfjs backend (once per process; a second, different choice is refused by tfjs anyway)
 * with `threads` wasm threads (null: the machine's cores; wasm keeps the count it started with).
 */
export function useBackend(choice: BackendChoice, threads: number | null = null): Promise<BackendSelection> {
  if (selected === null || selected.choice !== choice || selected.threads !== threads) {
    selected = { choice, threads, selection: selectBackend(choice, threads === null ? {} : { threads }) };
  }
  return selected.selection;
}

/** The installed version of a package, or 'not installed'. */
function versionOf(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

const PACKAGES = ['@mmaux/losses', '@mmaux/metrics', '@mmaux/datasets', '@mmaux/encoders', '@mmaux/fusion', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm'];

/** What `environment.json` records. */
export function describeEnvironment(selection: BackendSelection): RunEnvironment {
  return {
    backend: selection.tfjsBackend,
    backendReason: selection.reason,
    threads: selection.threads,
    requestedThreads: selection.requestedThreads,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    versions: Object.fromEntries(PACKAGES.map((p) => [p, versionOf(p)])),
  };
}
