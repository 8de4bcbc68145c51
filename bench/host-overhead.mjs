#!/usr/bin/env node
// Per-run overhead of @wasi-pystack/host: a fresh instance to the first process() return, through the
// host (a warm worker in a pool: sandbox, message, instance, call, results read back) against a bare
// runner (node:wasi in this thread: instance, _initialize, process(); nothing else). Same compiled
// module, same input, medians of N runs after a warm-up. Prints the figures.
//   node bench/host-overhead.mjs [MODULE] [N]     (default: test-projects/hello/dist/hello.wasm, 40)
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WASI } from 'node:wasi';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const { loadModule, createPool, processInput } = createRequire(import.meta.url)(join(root, 'packages', 'host', 'dist', 'index.js'));
const modulePath = process.argv[2] ?? join(root, 'test-projects/hello/dist/hello.wasm');
const N = Number(process.argv[3] ?? 40);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const loaded = await loadModule(modulePath);
const work = mkdtempSync(join(tmpdir(), 'host-overhead-'));
const input = join(work, 'input.bin');
writeFileSync(input, 'SPLITsome,input,bytes');

function bareRun() {
  const sandbox = mkdtempSync(join(work, 'bare-'));
  writeFileSync(join(sandbox, 'data.bin'), 'SPLITsome,input,bytes');
  mkdirSync(join(sandbox, 'metadata'));
  mkdirSync(join(sandbox, 'subcontent'));
  const started = performance.now();
  const wasi = new WASI({ version: 'preview1', args: ['m'], env: {}, preopens: { '/': sandbox }, returnOnExit: true });
  const setMemory = Object.getOwnPropertySymbols(wasi).find((s) => s.description === 'kSetMemory');
  let instance;
  const imports = wasi.getImportObject();
  const wrapped = Object.fromEntries(Object.entries(imports.wasi_snapshot_preview1).map(([k, fn]) => [k, (...a) => (setMemory && instance && wasi[setMemory](instance.exports.memory), fn(...a))]));
  instance = new WebAssembly.Instance(loaded.compiled, { wasi_snapshot_preview1: wrapped });
  wasi.initialize(instance);
  const rc = instance.exports.process();
  if (rc !== 0) throw new Error(`process() returned ${rc}`);
  return performance.now() - started;
}

const bare = [];
for (let i = 0; i < N + 3; i++) bare.push(bareRun());
const pool = createPool(loaded);
const host = [];
const inWorker = [];
for (let i = 0; i < N + 3; i++) {
  const started = performance.now();
  const r = await processInput(pool, input, { deadlineMs: 60_000 });
  host.push(performance.now() - started);
  inWorker.push(r.instantiateMs + r.processMs);
}
await pool.close();
const fmt = (xs) => `${median(xs.slice(3)).toFixed(1)} ms`;
console.log(`${modulePath.replace(`${root}/`, '')} on Node ${process.version}, median of ${N} fresh instances:`);
console.log(`  bare runner (this thread: instance + _initialize + process()): ${fmt(bare)}`);
console.log(`  host, in its worker (instance + process()):                    ${fmt(inWorker)}`);
console.log(`  host, end to end (sandbox, message, instance, call, results):  ${fmt(host)}`);
console.log(`  overhead of the host over bare:                                ${(median(host.slice(3)) - median(bare.slice(3))).toFixed(1)} ms`);
