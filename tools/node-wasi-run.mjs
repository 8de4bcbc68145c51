#!/usr/bin/env -S node --no-warnings
// Runs a wasi-pystack module under Node's node:wasi, with the same interface as wasi-run.py:
//   node-wasi-run.mjs [--dir HOST::GUEST]... [--env NAME=VALUE]... MODULE [ARGS...]
//   node-wasi-run.mjs --wadup SANDBOX MODULE INPUT...   (one instance, process() per input)
// The guest runs in a worker thread with a 64 MiB stack: CPython on WASI allows 5000 levels of C
// recursion before RecursionError, more than V8's default stack (about 1 MiB) holds.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { WASI } from 'node:wasi';

const STACK_MB = 64;

function parseArgs(argv) {
  const opts = { dirs: [], env: {}, wadup: null };
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

async function instantiate(opts, args, preopens) {
  const wasi = new WASI({ version: 'preview1', args, env: opts.env, preopens, returnOnExit: true });
  const module = await WebAssembly.compile(readFileSync(opts.module));
  const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
  return { wasi, instance };
}

async function guest(opts) {
  if (opts.wadup) {
    const sandbox = opts.wadup;
    mkdirSync(sandbox, { recursive: true });
    const { wasi, instance } = await instantiate(opts, [basename(opts.module)], { '/': sandbox });
    wasi.initialize(instance);
    for (const input of opts.args) {
      for (const sub of ['metadata', 'subcontent']) {
        rmSync(join(sandbox, sub), { recursive: true, force: true });
        mkdirSync(join(sandbox, sub));
      }
      copyFileSync(input, join(sandbox, 'data.bin'));
      const rc = instance.exports.process();
      const line = { input, rc, metadata: readTree(join(sandbox, 'metadata')), subcontent: Object.keys(readTree(join(sandbox, 'subcontent'))).sort() };
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
