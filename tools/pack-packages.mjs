#!/usr/bin/env node
// Writes one installable tarball per package to dist/packages/ (built JavaScript, declarations and the
// assets each needs at run time; no sources, no tests), and with --check also runs
// `npm publish --dry-run` for each, failing on any warning npm prints about
// a package (not the one about being logged in).
// Usage: npm run pack [-- --check]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPackages } from './build-packages.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
export const PACK_DIR = join(root, 'dist', 'packages');

export function packagesInWorkspace() {
  return readdirSync(join(root, 'packages')).map((dir) => ({ dir: join(root, 'packages', dir), ...JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) }));
}

/** Packs every package; returns the tarball paths. */
export function packAll({ check = false } = {}) {
  buildPackages();
  rmSync(PACK_DIR, { recursive: true, force: true });
  mkdirSync(PACK_DIR, { recursive: true });
  const tarballs = [];
  for (const pkg of packagesInWorkspace()) {
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', PACK_DIR], { cwd: pkg.dir, encoding: 'utf8' });
    const [info] = JSON.parse(out);
    tarballs.push(join(PACK_DIR, info.filename));
    process.stderr.write(`[pack] ${info.filename}: ${info.entryCount} files, ${(info.size / 1024).toFixed(0)} KiB\n`);
    if (check) {
      const r = spawnSync('npm', ['publish', '--dry-run', '--access', 'public'], { cwd: pkg.dir, encoding: 'utf8' });
      // Being logged in to the registry is the publisher's business, not the package's.
      const warnings = r.stderr.split('\n').filter((l) => /npm (warn|error)/i.test(l) && !/requires you to be logged in/.test(l));
      if (r.status !== 0 || warnings.length) throw new Error(`npm publish --dry-run in ${pkg.dir}:\n${warnings.join('\n') || r.stderr}`);
    }
  }
  return tarballs;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) packAll({ check: process.argv.includes('--check') });
