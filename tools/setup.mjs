#!/usr/bin/env node
// One-time (and idempotent) set-up of everything the toolchain and its tests need on this machine:
//   1. npm dependencies (npm ci) when node_modules is missing or older than package-lock.json;
//   2. Debian packages for the embedded WASI toolchain (clang/lld/llvm) and SQLite's
//      amalgamation step (tclsh), unless WASI_SDK_PATH is set;
//   3. the packages built to JavaScript (tools/build-packages.mjs; incremental), which the executors,
//      the Nx plugin and the root scripts run;
//   4. a Python venv in the cache with the pinned `wasmtime` package, for the runtime tests;
//   5. .wasi-pystack/workspace-facts.json (per clone, not a build output): the cache root, the venv, the dist layout, tool versions, for what
//      is not JavaScript (tools/wasi-run.py). Written on every run, for this environment.
// Quiet when everything is already there.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPackages } from './build-packages.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
// The static workspace facts (the Debian packages, the wasmtime pin), readable before anything is
// compiled; @wasi-pystack/core (workspace-facts.ts) owns them and computes the rest.
const FACTS = JSON.parse(readFileSync(join(root, 'packages', 'core', 'src', 'workspace-facts.data.json'), 'utf8'));

const say = (m) => process.stderr.write(`[setup] ${m}\n`);
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });

function npmDependencies() {
  const modules = join(root, 'node_modules', '.package-lock.json');
  if (existsSync(modules) && statSync(modules).mtimeMs >= statSync(join(root, 'package-lock.json')).mtimeMs) return;
  say('installing npm dependencies (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

// Build tools the recipes call (make, pkg-config, ninja, tclsh for SQLite's amalgamation) and, unless
// WASI_SDK_PATH is set, Debian's LLVM for the embedded toolchain.
function debianPackages() {
  const packages = FACTS.apt.map((p) => p.package);
  const missing = FACTS.apt.filter((p) => !existsSync(p.provides) && !(process.env.WASI_SDK_PATH && p.embeddedToolchain)).map((p) => p.provides);
  if (!missing.length) return;
  if (process.getuid && process.getuid() !== 0) {
    throw new Error(`missing ${missing.join(', ')}; run as root: apt-get install -y ${packages.join(' ')} (or set WASI_SDK_PATH)`);
  }
  say(`installing Debian packages: ${packages.join(' ')}`);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

function pythonVenv(core) {
  const pin = core.WASMTIME_PYTHON_PIN;
  const stamp = join(core.venvDir(), `.${pin}`);
  if (existsSync(stamp)) return;
  say(`creating ${core.venvDir()} with ${pin}`);
  run('python3', ['-m', 'venv', '--clear', core.venvDir()]);
  run(core.venvPython(), ['-m', 'pip', 'install', '--quiet', pin]);
  execFileSync('touch', [stamp]);
}

npmDependencies();
debianPackages();
buildPackages();
const core = createRequire(import.meta.url)(join(root, 'packages', 'core', 'dist', 'index.js'));
pythonVenv(core);
core.writeWorkspaceFacts(root);
