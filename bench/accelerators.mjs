// pandas' accelerators (issue 20): the kernels numexpr and bottleneck touch, in the module built with
// them (test-projects/pandas-accelerated) and natively with the same versions of both, each with the
// accelerators on (pandas' default when installed) and off. Prints figures and asserts nothing.
//   node bench/accelerators.mjs [--module test-projects/pandas-accelerated/dist/pandas-accelerated.wasm] [--native PYTHON]
// The native side needs a venv with numpy 2.4.0, pandas 2.3.3, numexpr 2.14.2 and bottleneck 1.6.0
// (default: the native venv of the step cache, ~/.cache/wasi-pystack/native-venv).
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { modulePath, nativeVenvPython, venvPython } from '@wasi-pystack/core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, fallback) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : fallback; };
const MODULE = resolve(ROOT, opt('--module', 'test-projects/pandas-accelerated/dist/pandas-accelerated.wasm'));
const PLAIN = resolve(ROOT, opt('--plain', modulePath('python-pandas')));
const NATIVE = opt('--native', nativeVenvPython());
const RUNNER = venvPython();

function run(argv) {
  const r = spawnSync(argv[0], argv.slice(1), { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, OMP_NUM_THREADS: '1', NUMEXPR_NUM_THREADS: '1' } });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed:\n${r.stderr.slice(-3000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

for (const need of [MODULE, NATIVE, RUNNER]) {
  if (!existsSync(need)) {
    console.log(`(needs ${need}: build test-projects/pandas-accelerated, and a native venv with the accelerators)`);
    process.exit(0);
  }
}
const native = run([NATIVE, join(ROOT, 'bench/accelerator_kernels.py')]);
const wasm = run([RUNNER, join(ROOT, 'tools/wasi-run.py'), '--dir', `${join(ROOT, 'bench')}::/bench`, MODULE, '/bench/accelerator_kernels.py']);
const ms = (s) => (s * 1000).toFixed(1);
const size = (f) => (existsSync(f) ? `${(statSync(f).size / 1e6).toFixed(1)} MB` : 'not built');
console.log(`# ${MODULE.replace(`${ROOT}/`, '')} (${size(MODULE)}; without the accelerators ${PLAIN.replace(`${ROOT}/`, '')}: ${size(PLAIN)}) against ${NATIVE} (numexpr on one thread)\n`);
console.log('| kernel | wasm on ms | wasm off ms | on/off wasm | native on ms | native off ms | on/off native | wasm/native (on) |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const key of Object.keys(wasm).filter((k) => k.endsWith('(on)'))) {
  const kernel = key.slice(0, -5);
  const off = `${kernel} (off)`;
  console.log(`| ${kernel} | ${ms(wasm[key])} | ${ms(wasm[off])} | ${(wasm[key] / wasm[off]).toFixed(2)}x | ${ms(native[key])} | ${ms(native[off])} | ${(native[key] / native[off]).toFixed(2)}x | ${(wasm[key] / native[key]).toFixed(2)}x |`);
}
const k = 'bottleneck.move_mean 50 1e6';
console.log(`| ${k} | ${ms(wasm[k])} | | | ${ms(native[k])} | | | ${(wasm[k] / native[k]).toFixed(2)}x |`);
