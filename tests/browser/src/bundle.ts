// Builds the page and the Node script with esbuild's JS API inside a user project, so every
// bare import resolves through that project's node_modules (the packed packages).
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { readmeBrowserExample, type ReadmeExample } from './readme-example.js';
import { PACKAGE_DIR, type UserProject } from './user-project.js';

/** How every page script is bundled: what `esbuild page.ts --bundle --format=esm` does, warnings kept. */
const BROWSER = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  metafile: true,
  logLevel: 'silent',
} as const satisfies esbuild.BuildOptions;

/** The source files the two entries need, copied into the project's `app/`. */
const APP_FILES = ['scenario.ts', 'page-result.ts', 'page-entry.ts', 'node-entry.ts'];

/** What {@link bundleApp} built. */
export interface AppBundles {
  /** The folder the server hands out: `page.js` and each README's `readme-<package>.js`. */
  publicDir: string;
  /** Every input esbuild put into the page script, relative to the project root. */
  pageInputs: string[];
  /** Warnings esbuild printed for the page, as text. */
  pageWarnings: string[];
  /** The Node script, `<root>/node-run.mjs`, its imports left for Node to resolve. */
  nodeScript: string;
}

/**
 * Bundles `app/page-entry.ts` for the browser (ESM, every dependency inlined, esbuild's browser
 * conditions and `browser` fields) and `app/node-entry.ts` for Node (ESM, packages external).
 *
 * @throws esbuild's error, whose message lists each unresolved import with its file and line
 */
export async function bundleApp(project: UserProject): Promise<AppBundles> {
  const app = join(project.root, 'app');
  mkdirSync(app, { recursive: true });
  for (const file of APP_FILES) copyFileSync(join(PACKAGE_DIR, 'src', file), join(app, file));
  const publicDir = join(project.root, 'public');
  const page = await esbuild.build({ ...BROWSER, absWorkingDir: project.root, entryPoints: [join(app, 'page-entry.ts')], outfile: join(publicDir, 'page.js') });
  const pageWarnings = await esbuild.formatMessages(page.warnings, { kind: 'warning' });
  const nodeScript = join(project.root, 'node-run.mjs');
  await esbuild.build({
    absWorkingDir: project.root,
    entryPoints: [join(app, 'node-entry.ts')],
    outfile: nodeScript,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'silent',
  });
  return { publicDir, pageInputs: Object.keys(page.metafile.inputs), pageWarnings, nodeScript };
}

/** A README example ready to serve. */
export interface ReadmeBundle extends ReadmeExample {
  /** The packed package whose README it is. */
  name: string;
  /** The script's name in `publicDir`, `readme-<package>.js`. */
  script: string;
}

/**
 * Takes the browser example from the README each packed package ships, saves it as
 * `app/readme-<package>.ts` and bundles it, as the README tells a user to, into `publicDir`.
 *
 * @throws Error naming the README when it has no example (see {@link readmeBrowserExample}), or esbuild's error
 */
export async function bundleReadmeExample(project: UserProject, publicDir: string, name: string): Promise<ReadmeBundle> {
  const readme = join(project.packed[name]!.dir, 'README.md');
  const example = readmeBrowserExample(readFileSync(readme, 'utf8'), readme);
  const base = `readme-${name.split('/').pop()!}`;
  const entry = join(project.root, 'app', `${base}.ts`);
  writeFileSync(entry, example.code);
  await esbuild.build({ ...BROWSER, absWorkingDir: project.root, entryPoints: [entry], outfile: join(publicDir, `${base}.js`) });
  return { ...example, name, script: `${base}.js` };
}
