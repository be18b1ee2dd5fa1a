#!/usr/bin/env node
// Checks a workspace package the way a user meets it: packs the tarball, lints the manifest
// with publint, installs the tarball into a fresh temporary project next to the peers listed in
// <package>/package-check/deps.json, then runs the consumers found there — consumer.mjs (ESM
// import), consumer.cjs (CJS require) — and type-checks consumer.mts / consumer.cts against the
// shipped .d.ts / .d.cts with `moduleResolution: nodenext`. Installs prefer the local pnpm store,
// so a machine that has run `pnpm install` needs no network.
//
// Usage: node scripts/check-package.mjs <package dir>   (run after the package's build)
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pkgDir = resolve(process.argv[2] ?? '.');
const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
const checkDir = join(pkgDir, 'package-check');
const bin = (name) => join(root, 'node_modules', '.bin', name);

/** The folder of a workspace package, by name (packages/* and apps/*). */
function workspaceDir(name) {
  for (const group of ['packages', 'apps']) {
    for (const entry of readdirSync(join(root, group))) {
      const file = join(root, group, entry, 'package.json');
      if (existsSync(file) && JSON.parse(readFileSync(file, 'utf8')).name === name) return join(root, group, entry);
    }
  }
  throw new Error(`workspace package ${name} not found under packages/ or apps/`);
}

/** The `allowBuilds:` block of the repository's pnpm-workspace.yaml, verbatim. */
function allowBuildsBlock() {
  const lines = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8').split('\n');
  const start = lines.indexOf('allowBuilds:');
  if (start < 0) throw new Error('pnpm-workspace.yaml has no allowBuilds: block');
  let end = start + 1;
  while (end < lines.length && /^(\s+|$)/.test(lines[end]) && lines[end] !== '') end++;
  return lines.slice(start, end).join('\n');
}

function run(cmd, args, cwd, label) {
  process.stdout.write(`• ${label}\n`);
  try {
    return execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (err) {
    process.stderr.write(`✗ ${label} failed (${cmd} ${args.join(' ')} in ${cwd})\n${err.stdout ?? ''}${err.stderr ?? ''}\n`);
    process.exit(1);
  }
}

if (!existsSync(join(pkgDir, 'dist'))) {
  console.error(`✗ ${manifest.name}: no dist/ in ${pkgDir}; build it first (pnpm --filter ${manifest.name} build).`);
  process.exit(1);
}
if (!existsSync(checkDir)) {
  console.error(`✗ ${manifest.name}: no package-check/ folder with consumers in ${pkgDir}.`);
  process.exit(1);
}

console.log(`Checking ${manifest.name}@${manifest.version} as a user would install it`);
run(bin('publint'), ['--strict', pkgDir], root, 'publint --strict');

const work = mkdtempSync(join(tmpdir(), 'mmaux-package-check-'));
try {
  // Workspace packages it depends on are not on the registry yet: pack them too and point the
  // consumer's resolution at those tarballs (pnpm overrides), so the check needs no publish.
  const tarballs = new Map();
  const packWithLocalDeps = (dir) => {
    const m = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    if (tarballs.has(m.name)) return;
    const dest = join(work, `tarball-${tarballs.size}`);
    run('pnpm', ['pack', '--pack-destination', dest], dir, `pnpm pack ${m.name}`);
    tarballs.set(m.name, join(dest, readdirSync(dest).find((f) => f.endsWith('.tgz'))));
    for (const [dep, range] of Object.entries(m.dependencies ?? {})) {
      if (String(range).startsWith('workspace:')) packWithLocalDeps(workspaceDir(dep));
    }
  };
  packWithLocalDeps(pkgDir);
  const project = join(work, 'consumer');
  cpSync(checkDir, project, { recursive: true });
  const deps = JSON.parse(readFileSync(join(project, 'deps.json'), 'utf8'));
  const overrides = Object.fromEntries([...tarballs].filter(([name]) => name !== manifest.name).map(([name, file]) => [name, `file:${file}`]));
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'mmaux-consumer', private: true, version: '0.0.0' }, null, 2),
  );
  // A workspace file of its own keeps pnpm from treating the temp folder as part of any other.
  // Peers are listed in deps.json: optional native tfjs peers must not be pulled in. The build
  // script decisions are the repository's own (pnpm 12 stops on any undecided one).
  const overrideLines = Object.entries(overrides).map(([k, v]) => `  '${k}': '${v}'`);
  writeFileSync(
    join(project, 'pnpm-workspace.yaml'),
    ['packages: []', 'autoInstallPeers: false', allowBuildsBlock(), ...(overrideLines.length ? ['overrides:', ...overrideLines] : []), ''].join('\n'),
  );
  run(
    'pnpm',
    ['add', '--prefer-offline', '--config.confirmModulesPurge=false', tarballs.get(manifest.name), ...deps],
    project,
    `install the tarball with ${deps.length ? deps.join(', ') : 'nothing else'}`,
  );
  const out = [];
  for (const file of ['consumer.mjs', 'consumer.cjs']) {
    if (existsSync(join(project, file))) out.push(run(process.execPath, [file], project, `node ${file}`).trim());
  }
  const typed = ['consumer.mts', 'consumer.cts'].filter((f) => existsSync(join(project, f)));
  if (typed.length > 0) {
    run(
      bin('tsc'),
      ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', ...typed],
      project,
      `tsc (nodenext) on ${typed.join(', ')}`,
    );
  }
  for (const line of out) console.log(`  ${line}`);
  console.log(`✓ ${manifest.name}: packs, lints, installs, imports (ESM and CJS) and type-checks`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
