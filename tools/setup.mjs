#!/usr/bin/env node
// One-time (and idempotent) set-up of everything the toolchain and its tests need on this machine:
//   1. npm dependencies (npm ci) when node_modules is missing or older than package-lock.json;
//   2. Debian packages for the embedded WASI toolchain (clang/lld/llvm 19) and SQLite's
//      amalgamation step (tclsh), unless WASI_SDK_PATH is set;
//   3. a Python venv in the cache with the pinned `wasmtime` package, for the runtime tests;
//   4. the packages built to JavaScript (tools/build-packages.mjs; incremental), which the executors,
//      the Nx plugin and the root scripts run.
// Quiet when everything is already there.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPackages } from './build-packages.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
export const WASMTIME_PY = 'wasmtime==50.0.1';
// Build tools the recipes call (make, pkg-config, ninja, tclsh for SQLite's amalgamation) and, unless
// WASI_SDK_PATH is set, Debian's LLVM 19 for the embedded toolchain.
const APT_PACKAGES = ['make', 'pkgconf', 'ninja-build', 'tcl', 'xz-utils', 'clang-19', 'lld-19', 'llvm-19'];
const NEEDED_FILES = ['/usr/bin/make', '/usr/bin/pkg-config', '/usr/bin/ninja', '/usr/bin/tclsh', '/usr/bin/xz', '/usr/lib/llvm-19/bin/clang', '/usr/lib/llvm-19/bin/wasm-ld', '/usr/lib/llvm-19/bin/llvm-ar'];

const cache = process.env.WASI_PYSTACK_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'wasi-pystack');
const say = (m) => process.stderr.write(`[setup] ${m}\n`);
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });

function npmDependencies() {
  const modules = join(root, 'node_modules', '.package-lock.json');
  if (existsSync(modules) && statSync(modules).mtimeMs >= statSync(join(root, 'package-lock.json')).mtimeMs) return;
  say('installing npm dependencies (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

function debianPackages() {
  const llvm = (f) => f.startsWith('/usr/lib/llvm-19');
  const missing = NEEDED_FILES.filter((f) => !existsSync(f) && !(process.env.WASI_SDK_PATH && llvm(f)));
  if (!missing.length) return;
  if (process.getuid && process.getuid() !== 0) {
    throw new Error(`missing ${missing.join(', ')}; run as root: apt-get install -y ${APT_PACKAGES.join(' ')} (or set WASI_SDK_PATH)`);
  }
  say(`installing Debian packages: ${APT_PACKAGES.join(' ')}`);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...APT_PACKAGES], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

export const venvPython = join(cache, 'venv', 'bin', 'python');

function pythonVenv() {
  const stamp = join(cache, 'venv', `.${WASMTIME_PY}`);
  if (existsSync(stamp)) return;
  say(`creating ${join(cache, 'venv')} with ${WASMTIME_PY}`);
  run('python3', ['-m', 'venv', '--clear', join(cache, 'venv')]);
  run(venvPython, ['-m', 'pip', 'install', '--quiet', WASMTIME_PY]);
  execFileSync('touch', [stamp]);
}

npmDependencies();
debianPackages();
pythonVenv();
buildPackages();
