#!/usr/bin/env -S node --no-warnings
// Runs a wasi-pystack module under Node's node:wasi, with the same interface as wasi-run.py:
//   node-wasi-run.mjs [--dir HOST::GUEST]... [--env NAME=VALUE]... MODULE [ARGS...]
//   node-wasi-run.mjs --wadup SANDBOX [--fresh-instance] MODULE INPUT...
//     one instance, process() per input; --fresh-instance: a new instance per input (the compiled
//     WebAssembly.Module is reused within this process; Node 20 keeps no compiled code across
//     processes), with "instantiate_ms" and "process_ms" on each line.
// The guest runs in a worker thread with a 64 MiB stack: CPython on WASI allows 5000 levels of C
// recursion before RecursionError, more than V8's default stack (about 1 MiB) holds.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { WASI } from 'node:wasi';

const STACK_MB = 64;

function parseArgs(argv) {
  const opts = { dirs: [], env: {}, wadup: null, freshInstance: false };
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--dir') {
      const [host, guest] = argv[++i].split('::');
      opts.dirs.push([host, guest ?? host]);
    } else if (a === '--env') {
      const [k, ...v] = argv[++i].split('=');
      opts.env[k] = v.join('=');
    } else if (a === '--wadup') opts.wadup = argv[++i];
    else if (a === '--fresh-instance') opts.freshInstance = true;
    else break;
  }
  opts.module = argv[i];
  opts.args = argv.slice(i + 1);
  return opts;
}

function readTree(folder) {
  const out = {};
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else out[relative(folder, full)] = readFileSync(full, 'utf8');
    }
  };
  walk(folder);
  return out;
}

/**
 * Node 20's node:wasi keeps the wasm memory's backing store from when it was given the memory and
 * does not follow memory.grow, which moves it: every WASI call after a grow reads and writes freed
 * memory (V8 then aborts in its sweeper, segfaults, or corrupts objects). The guest's memory grows
 * all the time (CPython's allocator), so each WASI call here first hands node:wasi the memory again
 * whenever its buffer changed. The setter is node:wasi's own (its kSetMemory symbol).
 */
function followMemoryGrowth(wasi, getMemory) {
  const setMemory = Object.getOwnPropertySymbols(wasi).find((s) => s.description === 'kSetMemory');
  if (!setMemory) return wasi.getImportObject();
  let seen = null;
  const refresh = () => {
    const memory = getMemory();
    if (memory && memory.buffer !== seen) {
      wasi[setMemory](memory);
      seen = memory.buffer;
    }
  };
  const imports = wasi.getImportObject();
  const wrapped = Object.fromEntries(Object.entries(imports.wasi_snapshot_preview1).map(([name, fn]) => [name, (...a) => (refresh(), fn(...a))]));
  return { wasi_snapshot_preview1: wrapped };
}

async function instantiate(opts, args, preopens, compiled) {
  const wasi = new WASI({ version: 'preview1', args, env: opts.env, preopens, returnOnExit: true });
  const module = compiled ?? (await WebAssembly.compile(readFileSync(opts.module)));
  let instance;
  instance = await WebAssembly.instantiate(module, followMemoryGrowth(wasi, () => instance?.exports.memory));
  return { wasi, instance, module };
}

async function guest(opts) {
  if (opts.wadup) {
    const sandbox = opts.wadup;
    mkdirSync(sandbox, { recursive: true });
    const module = await WebAssembly.compile(readFileSync(opts.module));
    const fresh = async () => {
      const started = performance.now();
      const { wasi, instance } = await instantiate(opts, [basename(opts.module)], { '/': sandbox }, module);
      wasi.initialize(instance);
      return { instance, instantiateMs: performance.now() - started };
    };
    let current = await fresh();
    for (const [n, input] of opts.args.entries()) {
      if (opts.freshInstance && n > 0) current = await fresh();
      for (const sub of ['metadata', 'subcontent']) {
        rmSync(join(sandbox, sub), { recursive: true, force: true });
        mkdirSync(join(sandbox, sub));
      }
      copyFileSync(input, join(sandbox, 'data.bin'));
      const started = performance.now();
      const rc = current.instance.exports.process();
      const processMs = performance.now() - started;
      const line = { input, rc, metadata: readTree(join(sandbox, 'metadata')), subcontent: Object.keys(readTree(join(sandbox, 'subcontent'))).sort() };
      if (opts.freshInstance) Object.assign(line, { instantiate_ms: +current.instantiateMs.toFixed(3), process_ms: +processMs.toFixed(3) });
      writeSync(1, `WADUP ${JSON.stringify(line)}\n`);
    }
    return 0;
  }
  const preopens = Object.fromEntries(opts.dirs.map(([host, guestPath]) => [guestPath, host]));
  const { wasi, instance } = await instantiate(opts, [basename(opts.module), ...opts.args], preopens);
  return wasi.start(instance);
}

if (isMainThread) {
  const worker = new Worker(new URL(import.meta.url), {
    workerData: parseArgs(process.argv.slice(2)),
    resourceLimits: { stackSizeMb: STACK_MB },
    stdin: false,
  });
  worker.on('message', (code) => (process.exitCode = code));
  worker.on('error', (e) => {
    console.error(e);
    process.exitCode = 134;
  });
} else {
  parentPort.postMessage(await guest(workerData));
}
