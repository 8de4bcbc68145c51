// Prints figures, asserts nothing: build times (cold from the step records, warm and Nx-cached now),
// module sizes, and start-up time of `python.wasm -c pass` under wasmtime and Node against native python3.
// Usage: npm run bench   (after npm run build / npm test)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleDir, modulePath, nativeVenvPython, readStepRecord, stepsDir, venvPython } from '@wasi-pystack/core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const VENV_PYTHON = venvPython();

function time(argv, env = process.env) {
  const start = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr.slice(-2000)}`);
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (s) => `${s.toFixed(2)} s`;

console.log('## Cold build phases (recorded when each step cache entry was built)');
for (const step of existsSync(stepsDir()) ? readdirSync(stepsDir()) : []) {
  for (const entry of readdirSync(join(stepsDir(), step))) {
    const dir = join(stepsDir(), step, entry);
    if (!statSync(dir).isDirectory() || entry.includes('.')) continue;
    try {
      const rec = readStepRecord(dir);
      console.log(`${step.padEnd(24)} ${rec.seconds ? fmt(rec.seconds) : '?'}  (${rec.finished})`);
    } catch {
      /* not finished */
    }
  }
}

console.log('\n## Nx targets');
const nx = [process.execPath, join(ROOT, 'node_modules', 'nx', 'dist', 'bin', 'nx.js')];
for (const target of ['python-wasi:build', 'hello:build', 'numpy-wasi:build', 'pandas-wasi:build']) {
  const warm = time([...nx, 'run', target, '--skip-nx-cache']);
  const cached = time([...nx, 'run', target]);
  console.log(`${target.padEnd(24)} step cache warm, Nx skipped: ${fmt(warm)}   Nx cache hit: ${fmt(cached)}`);
}

console.log('\n## Module sizes');
for (const m of [modulePath('python'), modulePath('python-numpy'), modulePath('python-pandas'), 'test-projects/hello/dist/hello.wasm', `${bundleDir('python')}/bundle.bin`]) {
  const p = join(ROOT, m);
  if (existsSync(p)) console.log(`${m.padEnd(40)} ${(statSync(p).size / 1e6).toFixed(1)} MB`);
}

console.log('\n## Start-up: -c pass (median of 7, wall time incl. the runner)');
const python = modulePath('python', 'default', ROOT);
const runs = [
  ['native python3', ['python3', '-c', 'pass']],
  ['wasmtime (wasi-run.py)', [VENV_PYTHON, join(ROOT, 'tools/wasi-run.py'), python, '-c', 'pass']],
  ['wasmtime runner alone', [VENV_PYTHON, '-c', 'import wasmtime']],
  ['node:wasi (node-wasi-run.mjs)', [process.execPath, '--no-warnings', join(ROOT, 'tools/node-wasi-run.mjs'), python, '-c', 'pass']],
  ['node alone', [process.execPath, '-e', '0']],
];
time(runs[1][1]); // compile once into the wasmtime cache
for (const [name, argv] of runs) console.log(`${name.padEnd(32)} ${fmt(median(Array.from({ length: 7 }, () => time(argv))))}`);

console.log('\n## NumPy and pandas kernels: wasm (wasmtime) against native CPython on this machine');
const NATIVE = nativeVenvPython();
function kernels(which, module) {
  const wasm = join(ROOT, module);
  if (!existsSync(wasm) || !existsSync(NATIVE)) {
    console.log(`(skipped ${which}: needs ${module} and ${NATIVE} with numpy==2.4.0 pandas==2.3.3)`);
    return undefined;
  }
  const run = (argv) => JSON.parse(spawnSync(argv[0], argv.slice(1), { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 }).stdout);
  const native = run([NATIVE, join(ROOT, 'bench', 'kernels.py'), which]);
  const guest = run([VENV_PYTHON, join(ROOT, 'tools', 'wasi-run.py'), '--dir', `${join(ROOT, 'bench')}::/bench`, wasm, '/bench/kernels.py', which]);
  return [native, guest];
}
for (const [which, module] of [['numpy', modulePath('python-numpy')], ['pandas', modulePath('python-pandas')]]) {
  const r = kernels(which, module);
  if (!r) continue;
  const [native, guest] = r;
  console.log(`\n${which} (${module}, ${(statSync(join(ROOT, module)).size / 1e6).toFixed(1)} MB)`);
  for (const k of Object.keys(guest)) console.log(`${k.padEnd(20)} wasm ${(guest[k] * 1000).toFixed(1).padStart(8)} ms   native ${(native[k] * 1000).toFixed(1).padStart(8)} ms   ratio ${(guest[k] / native[k]).toFixed(1)}x`);
}
