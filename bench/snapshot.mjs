// Prints figures, asserts nothing: from a fresh instance to the return of its first process(), for
// hello and pandas-report, with and without the build-time snapshot, under wasmtime (precompiled
// module) and Node's node:wasi (module compiled once per process), with the module sizes.
// Usage: npm run bench:snapshot   (builds what is missing through Nx first)
//        node bench/snapshot.mjs --baseline pandas-report=OLD.wasm   (also measures another build of a
//        project in the same run, e.g. the module of an earlier commit, kept from the Nx cache)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { venvPython } from '@wasi-pystack/core';
import { wasmInitialMemoryBytes } from '@wasi-pystack/linker';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const VENV_PYTHON = venvPython();
// pandas-report's C++ exceptions are exnref (docs/exceptions.md): Node 22+ runs it.
const NODE = Number(process.versions.node.split('.')[0]) >= 22 ? process.execPath
  : execFileSync(process.execPath, [join(ROOT, 'tools', 'host-matrix.mjs'), '--install', 'node', JSON.parse(readFileSync(join(ROOT, 'deps', 'hosts.json'), 'utf8')).ci.node.at(-1)], { encoding: 'utf8' }).trim();
const RUNS = Number(process.env.BENCH_RUNS || 21);

const modules = [];
for (const project of ['hello', 'pandas-report']) {
  for (const [config, file] of [['', `${project}.wasm`], ['no-snapshot', `${project}-no-snapshot.wasm`]]) {
    const path = join(ROOT, 'test-projects', project, 'dist', file);
    if (!existsSync(path)) execFileSync(process.execPath, [join(ROOT, 'node_modules', 'nx', 'dist', 'bin', 'nx.js'), 'run', `${project}:build${config ? `:${config}` : ''}`], { cwd: ROOT, stdio: 'inherit' });
    modules.push({ project, snapshot: !config, path });
  }
}

// Other builds of the same projects, measured in the same run beside this checkout's modules.
const argv = process.argv.slice(2);
for (const [i, a] of argv.entries()) {
  if (a !== '--baseline') continue;
  const [project, path] = (argv[i + 1] ?? '').split('=');
  if (!['hello', 'pandas-report'].includes(project) || !path || !existsSync(path)) throw new Error(`--baseline takes hello=FILE or pandas-report=FILE with an existing file; got ${argv[i + 1]}`);
  modules.push({ project, snapshot: true, path: resolve(path), label: `${project} (baseline ${path.split('/').pop()})` });
}

const input = (project) => {
  const file = join(mkdtempSync(join(tmpdir(), 'bench-in-')), 'input.bin');
  writeFileSync(file, project === 'pandas-report' ? 'time,city,category,value\n2026-10-25T00:00:00Z,Berlin,a,1.5\n2026-10-25T01:00:00Z,Lima,b,2.5\n' : 'hello bench');
  return file;
};

function freshInstances(runner, module, project) {
  const inputs = Array.from({ length: RUNS + 1 }, () => input(project));
  const argv = runner === 'wasmtime'
    ? [VENV_PYTHON, join(ROOT, 'tools', 'wasi-run.py'), '--wadup', mkdtempSync(join(tmpdir(), 'bench-sb-')), '--fresh-instance', module, ...inputs]
    : [NODE, '--no-warnings', join(ROOT, 'tools', 'node-wasi-run.mjs'), '--wadup', mkdtempSync(join(tmpdir(), 'bench-sb-')), '--fresh-instance', module, ...inputs];
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', maxBuffer: 1 << 26 });
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('WADUP ')).map((l) => JSON.parse(l.slice(6)));
  if (lines.length !== inputs.length || lines.some((l) => l.rc !== 0)) throw new Error(`${runner} ${module}: ${r.stderr.slice(-2000)}`);
  // The first instance pays for compiling (Node) or loading the cached code (wasmtime); the rest are
  // what a host pays per input.
  return lines.slice(1).map((l) => l.instantiate_ms + l.process_ms);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mb = (p) => (statSync(p).size / 1e6).toFixed(1);

console.log(`## From a fresh instance to the first process() returning (median of ${RUNS} instances, ms)\n`);
console.log('| module | snapshot | size (MB) | wasmtime | node:wasi |');
console.log('|---|---|---:|---:|---:|');
for (const m of modules) {
  const wasmtime = median(freshInstances('wasmtime', m.path, m.project));
  const node = median(freshInstances('node', m.path, m.project));
  console.log(`| ${m.label ?? m.project} | ${m.snapshot ? 'yes' : 'no'} | ${mb(m.path)} | ${wasmtime.toFixed(1)} | ${node.toFixed(1)} |`);
}

console.log('\n## What the snapshot adds\n');
console.log('| project | module without | with snapshot | growth | heap in the snapshot (memory at snapshot − initial memory) |');
console.log('|---|---:|---:|---:|---:|');
for (const project of ['hello', 'pandas-report']) {
  const [snap, plain] = [true, false].map((sn) => modules.find((m) => m.project === project && m.snapshot === sn && !m.label).path);
  const growth = statSync(snap).size - statSync(plain).size;
  const heap = wasmInitialMemoryBytes(snap) - wasmInitialMemoryBytes(plain);
  console.log(`| ${project} | ${mb(plain)} MB | ${mb(snap)} MB | ${(growth / 1e6).toFixed(1)} MB | ${(heap / 1e6).toFixed(1)} MB |`);
}

console.log('\n## Compiling the module (once per process unless cached)\n');
// A figure in ms, or why there is none (e.g. an engine without the module's exception handling).
const compileMs = (argv) => {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  return r.status === 0 ? `${r.stdout.trim()} ms` : `failed (${(r.stderr.trim().split('\n').filter(Boolean).pop() ?? `exit ${r.status}`).slice(0, 160)})`;
};
for (const m of modules.filter((x) => x.snapshot && !x.label)) {
  // The same Node as the runs above (22+ for exnref modules).
  const nodeCompile = compileMs([NODE, '-e', `const t=performance.now();WebAssembly.compile(require('fs').readFileSync(${JSON.stringify(m.path)})).then(()=>console.log((performance.now()-t).toFixed(0)))`]);
  const wasmtimeCompile = compileMs([VENV_PYTHON, '-c', `import time,wasmtime;e=wasmtime.Engine();t=time.perf_counter();wasmtime.Module.from_file(e, ${JSON.stringify(m.path)});print(round((time.perf_counter()-t)*1000))`]);
  console.log(`${m.project}: wasmtime (Cranelift, uncached) ${wasmtimeCompile}; Node (V8, lazy) ${nodeCompile}`);
}
