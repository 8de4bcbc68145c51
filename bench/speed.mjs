// Speed of the data stack in the module against native CPython 3.13 with the same NumPy and pandas
// (issue 9): pandas kernels, NumPy elementwise and reductions, matmul at 100/500/1000, linalg. Both sides run
// bench/speed_kernels.py, in process, start-up excluded, side by side in one run (native, then wasm,
// per group). matmul and linalg natively run with one thread and with the default thread count.
// Prints figures and asserts nothing.
//   node bench/speed.mjs [--module dist/modules/python-pandas.wasm] [--native PYTHON] [--json FILE] [--groups a,b]
import { spawnSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { modulePath, nativeVenvPython, venvPython } from '@wasi-pystack/core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, fallback) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : fallback; };
const MODULE = resolve(ROOT, opt('--module', modulePath('python-pandas')));
const NATIVE = opt('--native', nativeVenvPython());
const RUNNER = venvPython();
const GROUPS = opt('--groups', 'pandas,elementwise,reductions,matmul,linalg').split(',');
const ONE_THREAD = { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };

function run(argv, env = {}) {
  const r = spawnSync(argv[0], argv.slice(1), { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed:\n${r.stderr.slice(-3000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

// How to make each missing piece; the native venv's recipe is the fixtures' (make_fixtures.py).
const FIX = { [MODULE]: 'npm run build', [RUNNER]: 'node tools/setup.mjs', [NATIVE]: 'a CPython 3.13 venv with numpy==2.4.0 pandas==2.3.3, as tests/fixtures/make_fixtures.py says' };
for (const need of [MODULE, NATIVE, RUNNER]) {
  if (!existsSync(need)) {
    console.error(`bench/speed.mjs: ${need} is missing; make it with: ${FIX[need]}`);
    process.exit(1);
  }
}

const rows = [];
for (const group of GROUPS) {
  const native = run([NATIVE, join(ROOT, 'bench/speed_kernels.py'), group]);
  const native1 = group === 'matmul' || group === 'linalg' ? run([NATIVE, join(ROOT, 'bench/speed_kernels.py'), group], ONE_THREAD) : undefined;
  const wasm = run([RUNNER, join(ROOT, 'tools/wasi-run.py'), '--dir', `${join(ROOT, 'bench')}::/bench`, MODULE, '/bench/speed_kernels.py', group]);
  for (const k of Object.keys(wasm)) rows.push({ kernel: k, wasm: wasm[k], native: native[k], native1: native1?.[k] });
}

const ms = (s) => (s * 1000).toFixed(s < 0.001 ? 3 : 1);
console.log(`# ${MODULE.replace(`${ROOT}/`, '')} (${(statSync(MODULE).size / 1e6).toFixed(1)} MB) against ${NATIVE}\n`);
console.log('| kernel | wasm ms | native ms | wasm/native | native 1 thread ms | wasm/native 1 thread |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(`| ${r.kernel} | ${ms(r.wasm)} | ${ms(r.native)} | ${(r.wasm / r.native).toFixed(2)}x | ${r.native1 ? ms(r.native1) : ''} | ${r.native1 ? `${(r.wasm / r.native1).toFixed(2)}x` : ''} |`);
}
for (const group of GROUPS) {
  const g = rows.filter((r) => r.kernel.startsWith(`${group}:`));
  const sum = (f) => g.reduce((t, r) => t + f(r), 0);
  const worst = g.reduce((w, r) => (r.wasm / r.native > w.wasm / w.native ? r : w), g[0]);
  console.log(`\n${group}: total ${(sum((r) => r.wasm) / sum((r) => r.native)).toFixed(2)}x native; worst ${worst.kernel} ${(worst.wasm / worst.native).toFixed(2)}x`);
}
const json = opt('--json');
if (json) writeFileSync(json, JSON.stringify({ module: MODULE, size: statSync(MODULE).size, rows }, null, 2));
