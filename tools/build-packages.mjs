#!/usr/bin/env node
// Builds every package under packages/ to JavaScript with declarations (tsc project references),
// then copies what the code needs at run time beside it: executor schemas and their .d.ts types,
// the linker's C runtime, the bundler's Python importer, core's workspace-facts.data.json, and the default
// lock file (into core).
// Incremental: a no-op when nothing changed. Run by tools/setup.mjs, so `npm run build` and
// `npm test` never use stale JavaScript.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
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

/** The source a file of dist/ was built or copied from (src/x.ts for x.js, x.d.ts, x.js.map; else the asset itself). */
function sourceOf(src, rel) {
  const built = /^(.*?)(\.d\.ts|\.js\.map|\.js)$/.exec(rel);
  if (built) return [join(src, `${built[1]}.ts`), join(src, rel)];
  return [join(src, rel)];
}

/** Removes what dist/ holds of sources that are gone (a renamed module), so no stale module is shipped or loaded. */
function removeStaleOutputs(pkgDir) {
  const dist = join(pkgDir, 'dist');
  const src = join(pkgDir, 'src');
  if (!existsSync(dist)) return;
  for (const file of walk(dist)) {
    const rel = relative(dist, file);
    if (rel === '.tsbuildinfo' || rel === 'sources.lock.json' || rel.startsWith('.')) continue;
    if (!sourceOf(src, rel).some(existsSync)) rmSync(file);
  }
}

/**
 * After a successful tsc -b, every module's JavaScript is what its source compiles to; tsc leaves a
 * file alone whose source it saw unchanged, even when the source's time is newer (a checkout, a
 * rewrite with the same text). Step keys hash a module's JavaScript only when it is at least as new
 * as its source (core's engine/code-identity.ts), so the JavaScript is given the time of now (later
 * than the source; copying the source's time would lose its sub-millisecond part): the same keys as a
 * fresh clone computes.
 */
function matchSourceTimes(pkgDir) {
  const src = join(pkgDir, 'src');
  for (const file of walk(src)) {
    if (!file.endsWith('.ts') || file.endsWith('.d.ts')) continue;
    const js = join(pkgDir, 'dist', relative(src, file)).replace(/\.ts$/, '.js');
    if (!existsSync(js)) continue;
    if (statSync(js).mtimeMs <= statSync(file).mtimeMs) {
      const now = new Date();
      utimesSync(js, now, now);
    }
  }
}

export function buildPackages() {
  execFileSync(process.execPath, [tsc, '-b', join(root, 'tsconfig.packages.json')], { stdio: 'inherit', cwd: root });
  const packagesDir = join(root, 'packages');
  for (const pkg of readdirSync(packagesDir)) {
    const src = join(packagesDir, pkg, 'src');
    if (!existsSync(src)) continue;
    removeStaleOutputs(join(packagesDir, pkg));
    matchSourceTimes(join(packagesDir, pkg));
    for (const file of walk(src)) {
      if (isAsset(file)) copyIfNewer(file, join(packagesDir, pkg, 'dist', relative(src, file)));
    }
  }
  copyIfNewer(join(root, 'deps', 'sources.lock.json'), join(packagesDir, 'core', 'dist', 'sources.lock.json'));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) buildPackages();
