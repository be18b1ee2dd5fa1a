// A throwaway "user project": the three packages as `pnpm pack` ships them, extracted into its
// node_modules, next to the tfjs packages the workspace installed (linked, not copied: their
// files are what npm would install, and linking needs no registry).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This test package's folder. */
export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The packages whose browser support is under test. */
export const PACKED = ['@mmaux/losses', '@mmaux/metrics', '@mmaux/fusion'] as const;

/**
 * The tfjs packages the page and the Node run need, and the workspace package that has each
 * installed: `@tensorflow/tfjs` is @mmaux/fusion's peer (it is not a dependency of this test
 * package, so it is taken from fusion's own install).
 */
const TFJS: Record<string, string> = {
  '@tensorflow/tfjs-core': PACKAGE_DIR,
  '@tensorflow/tfjs-backend-cpu': PACKAGE_DIR,
  '@tensorflow/tfjs-backend-wasm': PACKAGE_DIR,
  '@tensorflow/tfjs-backend-webgl': PACKAGE_DIR,
  '@tensorflow/tfjs': '@mmaux/fusion',
};

/** A project folder whose node_modules holds the packed packages. */
export interface UserProject {
  root: string;
  /** Per packed package: the tarball and the folder it was extracted to. */
  packed: Record<string, { tarball: string; dir: string; version: string }>;
  /** Where tfjs-backend-wasm's files are (its dist/ holds the .wasm binaries). */
  wasmPackageDir: string;
}

/** The real folder of `name` as installed for the package in `fromDir`. */
function installedDir(name: string, fromDir: string): string {
  const require = createRequire(join(fromDir, 'package.json'));
  return realpathSync(dirname(require.resolve(`${name}/package.json`)));
}

/**
 * Packs each of {@link PACKED} with `pnpm pack` (which rewrites `workspace:^` to the version, as
 * a publish does, and ships only `files`: dist/ and the README), extracts the tarballs into
 * `<tmp>/node_modules/<name>`, and links the tfjs packages beside them.
 *
 * @throws Error naming the package and the build command when a package has no dist/
 */
export function createUserProject(): UserProject {
  const root = mkdtempSync(join(tmpdir(), 'mmaux-browser-'));
  try {
    return fillUserProject(root);
  } catch (err) {
    rmSync(root, { recursive: true, force: true });
    throw err;
  }
}

function fillUserProject(root: string): UserProject {
  const tarballs = join(root, 'tarballs');
  mkdirSync(tarballs);
  const packed: UserProject['packed'] = {};
  const workspaceDirs: Record<string, string> = {};
  for (const name of PACKED) {
    const source = realpathSync(join(PACKAGE_DIR, 'node_modules', name));
    workspaceDirs[name] = source;
    if (!existsSync(join(source, 'dist', 'index.js'))) {
      throw new Error(`${name} has no ${join(source, 'dist', 'index.js')}; build it first: pnpm --filter ${name} build`);
    }
    const before = new Set(readdirSync(tarballs));
    execFileSync('pnpm', ['pack', '--pack-destination', tarballs], { cwd: source, stdio: 'pipe' });
    const tarball = readdirSync(tarballs).find((f) => !before.has(f) && f.endsWith('.tgz'));
    if (tarball === undefined) throw new Error(`pnpm pack in ${source} wrote no .tgz into ${tarballs}`);
    const dir = join(root, 'node_modules', name);
    mkdirSync(dir, { recursive: true });
    execFileSync('tar', ['-xzf', join(tarballs, tarball), '-C', dir, '--strip-components=1']);
    const version = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
    packed[name] = { tarball: join(tarballs, tarball), dir, version };
  }
  for (const [name, owner] of Object.entries(TFJS)) {
    const from = owner === PACKAGE_DIR ? PACKAGE_DIR : (workspaceDirs[owner] as string);
    const link = join(root, 'node_modules', name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(installedDir(name, from), link, 'dir');
  }
  return { root, packed, wasmPackageDir: realpathSync(join(root, 'node_modules', '@tensorflow/tfjs-backend-wasm')) };
}
