#!/usr/bin/env node
// Builds every package under packages/ to JavaScript with declarations (tsc project references),
// then copies what the code needs at run time beside it: executor schemas and their .d.ts types,
// the linker's C runtime, the bundler's Python importer, core's workspace-facts.data.json, and the default
// lock file (into core).
// Incremental: a no-op when nothing changed. Run by tools/setup.mjs, so `npm run build` and
// `npm test` never use stale JavaScript.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

/** Files under src/ that tsc does not emit but the built package needs. */
const isAsset = (file) => !file.endsWith('.ts') || (file.endsWith('.d.ts') && !file.endsWith('.test.d.ts'));

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== '__pycache__') yield* walk(path);
    } else yield path;
  }
}

function copyIfNewer(from, to) {
  if (existsSync(to) && statSync(to).mtimeMs >= statSync(from).mtimeMs) return;
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
}

export function buildPackages() {
  execFileSync(process.execPath, [tsc, '-b', join(root, 'tsconfig.packages.json')], { stdio: 'inherit', cwd: root });
  const packagesDir = join(root, 'packages');
  for (const pkg of readdirSync(packagesDir)) {
    const src = join(packagesDir, pkg, 'src');
    if (!existsSync(src)) continue;
    for (const file of walk(src)) {
      if (isAsset(file)) copyIfNewer(file, join(packagesDir, pkg, 'dist', relative(src, file)));
    }
  }
  copyIfNewer(join(root, 'deps', 'sources.lock.json'), join(packagesDir, 'core', 'dist', 'sources.lock.json'));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) buildPackages();
