// @ts-check
// The guest side of a run: one worker thread per pool slot, given the compiled module once; every
// job gets a fresh instance (a new WASI, new memory, from the module's data: a snapshotted reactor
// starts from its snapshot). Plain JavaScript because Node starts workers from files; its messages
// are typed in protocol.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { WASI } from 'node:wasi';
import { guarded, PrintLimitSignal } from './guest-imports.mjs';

/** @type {WebAssembly.Module} */
const module = workerData.module;

/**
 * Node 20 and 22 crash on these modules with node:wasi's imports given to the module directly: V8
 * calls them through its fast API path, and a WASI call made after the memory grew can start a full
 * garbage collection inside that fast call, which V8 cannot walk (a segfault or a V8 check failure
 * in the collector; nodejs/node#46777, from #43697 "wasi: fast calls"; V8 12.9's fast API and
 * node:wasi's rewritten callbacks fixed it for Node 24+). Wrapping each import in a plain JS function
 * keeps V8 off that path (so does `--no-turbo-fast-api-calls`). The wrapper also hands node:wasi the
 * memory again when its buffer changed (node:wasi's own kSetMemory), which costs one comparison.
 */
function followMemoryGrowth(wasi, getMemory, job, budget) {
  const imports = guarded(wasi.getImportObject().wasi_snapshot_preview1, getMemory, job, budget);
  const setMemory = Object.getOwnPropertySymbols(wasi).find((s) => s.description === 'kSetMemory');
  if (!setMemory) return { wasi_snapshot_preview1: imports };
  let seen = null;
  const wrapped = {};
  for (const [name, fn] of Object.entries(imports)) {
    wrapped[name] = (...args) => {
      const memory = getMemory();
      if (memory && memory.buffer !== seen) {
        wasi[setMemory](memory);
        seen = memory.buffer;
      }
      return fn(...args);
    };
  }
  return { wasi_snapshot_preview1: wrapped };
}

/** node:wasi's proc_exit (with returnOnExit) throws this symbol and keeps the code on the WASI. */
const exitCodeOf = (wasi, thrown) => (typeof thrown === 'symbol' && thrown.description === 'kExitCode' ? wasi[thrown] : undefined);

/**
 * The instance a `keep` job left for the next one: reactors are reused across calls when asked (the
 * way a host that calls process() on every file does), as long as the next job sees the same
 * folders, environment and arguments. A call that traps or exits discards it.
 * @type {{ key: string, wasi: WASI, instance: WebAssembly.Instance, budget: { printed: number } } | undefined}
 */
let kept;

function jobKey(job) {
  return JSON.stringify([job.args, job.env, job.preopens, job.stdio, job.maxOpenFiles, job.maxPrintedBytes]);
}

function run(job) {
  if (job.mode === 'call' && job.keep && kept?.key === jobKey(job)) return callOn(kept.wasi, kept.instance, job, 0, kept.budget);
  kept = undefined;
  const started = performance.now();
  const wasi = new WASI({
    version: 'preview1',
    args: job.args,
    env: job.env,
    preopens: job.preopens,
    returnOnExit: true,
    stdin: job.stdio[0],
    stdout: job.stdio[1],
    stderr: job.stdio[2],
  });
  /** @type {WebAssembly.Instance | undefined} */
  let instance;
  const budget = { printed: 0 };
  const memory = () => /** @type {WebAssembly.Memory | undefined} */ (instance?.exports.memory);
  try {
    instance = new WebAssembly.Instance(module, followMemoryGrowth(wasi, memory, job, budget));
    if (job.mode === 'command') return { status: 'ok', value: wasi.start(instance), memoryBytes: memoryOf(instance) };
    wasi.initialize(instance);
  } catch (thrown) {
    return failure(wasi, instance, job, thrown);
  }
  if (job.keep) kept = { key: jobKey(job), wasi, instance, budget };
  return callOn(wasi, instance, job, performance.now() - started, budget);
}

/** Calls the job's export; `instantiateMs` is what making the instance took (0 for a kept one). */
function callOn(wasi, instance, job, instantiateMs, budget) {
  budget.printed = 0; // the bound is per run
  const fn = instance.exports[job.call];
  if (typeof fn !== 'function') return { status: 'host', message: `the module exports no function ${job.call}` };
  const started = performance.now();
  try {
    const value = fn();
    return { status: 'ok', value, memoryBytes: memoryOf(instance), instantiateMs, callMs: performance.now() - started };
  } catch (thrown) {
    kept = undefined;
    return failure(wasi, instance, job, thrown);
  }
}

const memoryOf = (instance) => /** @type {WebAssembly.Memory | undefined} */ (instance?.exports.memory)?.buffer.byteLength;

/** How a run that threw ended: an exit (a command's result), a trap, or the host's own failure. */
function failure(wasi, instance, job, thrown) {
  const memoryBytes = memoryOf(instance);
  const code = exitCodeOf(wasi, thrown);
  if (code !== undefined) return job.mode === 'command' ? { status: 'ok', value: code, memoryBytes } : { status: 'exit', code, memoryBytes };
  if (thrown instanceof PrintLimitSignal) return { status: 'sandbox-limit', message: thrown.message, memoryBytes };
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  // V8 reports a wasm stack overflow as a RangeError, not a RuntimeError.
  if (thrown instanceof WebAssembly.RuntimeError || (thrown instanceof RangeError && /call stack/.test(message))) return { status: 'trap', message, memoryBytes };
  return { status: 'host', message: thrown instanceof Error ? thrown.stack ?? message : message };
}

parentPort?.on('message', (job) => parentPort?.postMessage({ id: job.id, ...run(job) }));
