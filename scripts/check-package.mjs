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
  run('pnpm', ['pack', '--pack-destination', work], pkgDir, 'pnpm pack');
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  const project = join(work, 'consumer');
  cpSync(checkDir, project, { recursive: true });
  const deps = JSON.parse(readFileSync(join(project, 'deps.json'), 'utf8'));
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'mmaux-consumer', private: true, version: '0.0.0' }, null, 2),
  );
  // A workspace file of its own keeps pnpm from treating the temp folder as part of any other.
  writeFileSync(join(project, 'pnpm-workspace.yaml'), 'packages: []\n');
  run(
    'pnpm',
    ['add', '--prefer-offline', '--config.confirmModulesPurge=false', join(work, tarball), ...deps],
    project,
    `install the tarball with ${deps.join(', ')}`,
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
