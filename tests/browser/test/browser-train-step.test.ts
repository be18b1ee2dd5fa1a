// @mmaux/losses, @mmaux/metrics and @mmaux/fusion in a real browser: the packages are packed
// (`pnpm pack`, as a publish ships them) into a temporary project, a page that imports them is
// bundled with esbuild and served from 127.0.0.1, and headless Chromium (Debian's, through
// playwright-core) trains every multimodal fusion kind with CE + ITC + ITM. The same script
// bundled for Node runs in a child process; every loss, logit and metric must agree to 1e-4.
// Each package's README example for the browser runs too, as the packed README has it.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import type { Browser } from 'playwright-core';
import { bundleApp, bundleReadmeExample, type AppBundles } from '../src/bundle.js';
import { CHROMIUM_PATH, consoleLines, launchChromium, runPage, type Launch, type RunPageOptions } from '../src/chromium.js';
import { compareRuns, describeMismatches, flattenRun } from '../src/compare.js';
import type { NodeResult } from '../src/node-entry.js';
import type { PageReport } from '../src/page-result.js';
import { runNode } from '../src/run-node.js';
import { KINDS, STEPS, type ScenarioResult } from '../src/scenario.js';
import { startStaticServer, type StaticServer } from '../src/static-server.js';
import { createUserProject, PACKED, type UserProject } from '../src/user-project.js';

/** Largest |browser − Node| allowed for any reported number (the bar). */
const TOLERANCE = 1e-4;
/** Seed 1 is the input every backend runs; seed 2 is the deliberately different input. */
const SEED = 1;
const OTHER_SEED = 2;
/** SwiftShader compiles each WebGL program on the CPU (~20 s for a transformer kind here), so webgl runs the late-fusion kinds. */
const WEBGL_KINDS = ['concat', 'attention', 'gmu'] as const;
const CI = process.env.CI === 'true';

let project: UserProject;
let bundles: AppBundles;
let server: StaticServer;
let launch: Launch;
let nodeWasm: NodeResult;
let nodeCpu: NodeResult;
const figures: string[] = [];

beforeAll(async () => {
  project = createUserProject();
  bundles = await bundleApp(project);
  server = await startStaticServer(bundles.publicDir, project.wasmPackageDir);
  [launch, nodeWasm, nodeCpu] = await Promise.all([
    launchChromium(),
    runNode(bundles.nodeScript, project.root, 'wasm', [SEED, OTHER_SEED]),
    runNode(bundles.nodeScript, project.root, 'cpu', [SEED]),
  ]);
  if (!launch.ok) console.warn(`tests/browser: ${CI ? 'failing (CI=true)' : 'skipping the browser tests'}: ${launch.reason}`);
});

afterAll(async () => {
  if (launch?.ok) await launch.browser.close();
  await server?.close();
  if (project !== undefined) rmSync(project.root, { recursive: true, force: true });
  if (figures.length > 0) console.log(`Chromium ${launch?.ok ? launch.version : '?'} (${CHROMIUM_PATH}) against Node ${process.version}:\n${figures.join('\n')}`);
});

/** The browser, or a skip with the reason (a failure under CI=true, where .ci/run installs Chromium). */
function browserOr(ctx: TestContext): Browser {
  if (launch.ok) return launch.browser;
  if (CI) throw new Error(`CI=true but no browser started: ${launch.reason}`);
  ctx.skip(`no browser: ${launch.reason}`);
}

const pages = new Map<string, Promise<PageReport>>();

/** Loads `?query` once (tests share pages) and returns its successful result. */
function page(browser: Browser, query: string, options: RunPageOptions): Promise<PageReport> {
  let result = pages.get(query);
  if (result === undefined) {
    const started = Date.now();
    result = runPage(browser, `${server.origin}?${query}`, options).then((r) => {
      if (!r.ok) throw new Error(`the page ?${query} failed:\n${r.error}`);
      figures.push(`  ?${query}: ${Date.now() - started} ms`);
      return r;
    });
    pages.set(query, result);
  }
  return result;
}

/** `run` restricted to `kinds`, in that order. */
function onlyKinds(run: ScenarioResult, kinds: readonly string[]): ScenarioResult {
  return { ...run, kinds: kinds.map((k) => run.kinds.find((r) => r.kind === k)!) };
}

/** Asserts that `actual` equals `expected` to {@link TOLERANCE}, records the figure, and checks the run's own sanity. */
function expectSameRun(label: string, actual: ScenarioResult, expected: ScenarioResult): void {
  const c = compareRuns(actual, expected, TOLERANCE);
  figures.push(`  ${label}: ${c.compared} numbers, max |Δ| ${c.maxAbsDiff.toExponential(2)}`);
  expect(c.mismatches, `${label}: ${c.mismatches.length} of ${c.compared} numbers differ by more than ${TOLERANCE}:\n${describeMismatches(c.mismatches)}`).toEqual([]);
  expect(actual.leakedTensors, `${label}: tensors left after the browser run`).toBe(0);
  expect(expected.leakedTensors, `${label}: tensors left after the Node run`).toBe(0);
  for (const k of actual.kinds) {
    expect(k.steps).toHaveLength(STEPS);
    for (const value of flattenRun({ ...actual, kinds: [k] }).values()) expect(Number.isFinite(value)).toBe(true);
    // The second step's losses come from weights the first step's gradients moved.
    expect(k.steps[1]!.loss, `${label}: ${k.kind}'s update changed nothing`).not.toBe(k.steps[0]!.loss);
  }
}

describe('the packed packages in headless Chromium', () => {
  it('bundle for the browser from their packed dist/ entry points, with one tfjs-core and no Node built-in', () => {
    expect(bundles.pageWarnings).toEqual([]);
    for (const name of PACKED) {
      // esbuild names inputs relative to the project root: the extracted tarball, not the workspace.
      expect(bundles.pageInputs).toContain(`node_modules/${name}/dist/index.js`);
    }
    expect(bundles.pageInputs.filter((i) => /\/src\/[^/]+\.ts$/.test(i) && !i.startsWith('app/'))).toEqual([]);
    expect(bundles.pageInputs.filter((i) => i.endsWith('/tfjs-core/dist/index.js'))).toHaveLength(1);
    // pnpm pack rewrote the workspace protocol, as a publish does.
    const fusion = JSON.parse(readFileSync(join(project.packed['@mmaux/fusion']!.dir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(fusion.dependencies['@mmaux/losses']).toBe(`^${project.packed['@mmaux/losses']!.version}`);
  });

  it('wasm: every kind trains with CE + ITC + ITM like Node (to 1e-4), single-threaded without cross-origin isolation', async (ctx) => {
    const r = await page(browserOr(ctx), `backend=wasm&threads=2&seed=${SEED}&seed=${OTHER_SEED}`, { timeoutMs: 60_000 });
    expect(r.backend).toBe('wasm');
    expect(r.crossOriginIsolated).toBe(false);
    expect(r.wasmMultithread).toBe(false);
    expect(r.selection).toMatchObject({ threads: 1, requestedThreads: 2 });
    expect(r.selection!.reason).toContain('2 requested: this browser gives WebAssembly no threads (the page must be cross-origin isolated');
    expect(server.served).toContain('/wasm/tfjs-backend-wasm-simd.wasm');
    // @mmaux/fusion's own SIMD kernels compiled on the page (no fallback to plain tfjs ops).
    expect(r.moduleCompiles).toEqual({ compiled: 1, failures: [] });
    expect(r.runs.map((run) => run.kinds.map((k) => k.kind))).toEqual([[...KINDS], [...KINDS]]);
    expect(nodeWasm.backend).toBe('wasm');
    expectSameRun(`wasm, seed ${SEED}`, r.runs[0]!, nodeWasm.runs[0]!);
    expectSameRun(`wasm, seed ${OTHER_SEED}`, r.runs[1]!, nodeWasm.runs[1]!);
  });

  it('a different input changes every loss, so the comparison can fail', async (ctx) => {
    const r = await page(browserOr(ctx), `backend=wasm&threads=2&seed=${SEED}&seed=${OTHER_SEED}`, { timeoutMs: 60_000 });
    const [base, other] = r.runs as [ScenarioResult, ScenarioResult];
    expect(other.inputChecksum).not.toBe(base.inputChecksum);
    const changed = new Set(compareRuns(other, nodeWasm.runs[0]!, TOLERANCE).mismatches.map((m) => m.name));
    for (const k of KINDS) {
      for (let s = 0; s < STEPS; s++) {
        for (const part of ['loss', 'ce', 'itc', 'itm']) expect(changed, `${k} step ${s} ${part}`).toContain(`${k} step ${s} ${part}`);
      }
    }
  });

  it('wasm, cross-origin isolated: the threaded build runs 2 threads and still equals Node on one', async (ctx) => {
    const r = await page(browserOr(ctx), `isolated=1&backend=wasm&threads=2&seed=${SEED}`, { timeoutMs: 60_000, hardwareConcurrency: 4 });
    expect(r.crossOriginIsolated).toBe(true);
    expect(r.wasmMultithread).toBe(true);
    expect(r.selection).toMatchObject({ threads: 2, requestedThreads: 2 });
    expect(server.served).toContain('/wasm/tfjs-backend-wasm-threaded-simd.wasm');
    // The kernels were built for the backend's shared memory.
    expect(r.moduleCompiles).toEqual({ compiled: 1, failures: [] });
    expectSameRun(`wasm, 2 threads, seed ${SEED}`, r.runs[0]!, nodeWasm.runs[0]!);
  });

  it("webgl (SwiftShader): the late-fusion kinds equal Node's wasm run to 1e-4", async (ctx) => {
    const kinds = WEBGL_KINDS.map((k) => `&kind=${k}`).join('');
    const r = await page(browserOr(ctx), `backend=webgl${kinds}&seed=${SEED}`, { timeoutMs: 150_000 });
    expect(r.backend).toBe('webgl');
    expect(r.webglVersion).toBeGreaterThanOrEqual(1);
    expectSameRun(`webgl (WebGL ${r.webglVersion}), seed ${SEED}`, r.runs[0]!, onlyKinds(nodeWasm.runs[0]!, WEBGL_KINDS));
  }, 180_000);

  it("cpu: every kind equals Node's cpu run to 1e-4", async (ctx) => {
    const r = await page(browserOr(ctx), `backend=cpu&seed=${SEED}`, { timeoutMs: 60_000 });
    expect(r.backend).toBe('cpu');
    expect(nodeCpu.backend).toBe('cpu');
    expectSameRun(`cpu, seed ${SEED}`, r.runs[0]!, nodeCpu.runs[0]!);
  });

  it('FusionModel.save and loadFusionModel throw UNSUPPORTED in a browser, naming node:fs', async (ctx) => {
    const r = await page(browserOr(ctx), `backend=wasm&threads=2&seed=${SEED}&seed=${OTHER_SEED}`, { timeoutMs: 60_000 });
    expect(r.saveError?.code).toBe('UNSUPPORTED');
    expect(r.saveError?.message).toMatch(/^FusionModel\.save: saving and loading .* Node's file system \(node:fs\), which this runtime does not have/);
    expect(r.loadError?.code).toBe('UNSUPPORTED');
    expect(r.loadError?.message).toMatch(/^loadFusionModel: /);
  });

  it.for(PACKED)("%s: the packed README's browser example runs as written and prints what it says", async (name, ctx) => {
    const browser = browserOr(ctx);
    const example = await bundleReadmeExample(project, bundles.publicDir, name);
    const started = Date.now();
    const printed = await consoleLines(browser, `${server.origin}?script=${example.script}`, example.prints.length, 60_000);
    figures.push(`  ${name} README example: ${Date.now() - started} ms, printed ${JSON.stringify(printed)}`);
    expect(printed).toEqual(example.prints);
  });
});
