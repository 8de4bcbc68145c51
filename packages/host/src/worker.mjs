// @ts-check
// The guest side of a run: one worker thread per pool slot, given the compiled module once; every
// job gets a fresh instance (a new WASI, new memory, from the module's data: a snapshotted reactor
// starts from its snapshot). Plain JavaScript because Node starts workers from files; its messages
// are typed in protocol.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { WASI } from 'node:wasi';

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
function followMemoryGrowth(wasi, getMemory, job) {
  const imports = guarded(wasi.getImportObject().wasi_snapshot_preview1, getMemory, job);
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

/** WASI's errno for "operation not permitted". */
const ERRNO_PERM = 63;
const SUBSCRIPTION_BYTES = 48;
const EVENT_BYTES = 32;
const EVENTTYPE_CLOCK = 0;
const SUBCLOCKFLAG_ABSTIME = 1;
const CLOCK_REALTIME = 0;

/**
 * node:wasi sleeps inside poll_oneoff (time.sleep, a select() with only a timeout) with a blocking
 * native call, which stopping the worker cannot interrupt: a guest in time.sleep(10**9) would keep
 * its thread, and hold up the host's exit, long after its deadline. So a poll that only waits for
 * clocks sleeps here, in Atomics.wait, which a stop does interrupt, and answers with the clock
 * events that are due; any other poll goes to node:wasi.
 */
function sleepInterruptibly(pollOneoff, getMemory) {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  return (inPtr, outPtr, count, neventsPtr) => {
    const memory = getMemory();
    if (!memory || count === 0) return pollOneoff(inPtr, outPtr, count, neventsPtr);
    const view = new DataView(memory.buffer);
    const waits = [];
    for (let i = 0; i < count; i++) {
      const sub = inPtr + i * SUBSCRIPTION_BYTES;
      if (view.getUint8(sub + 8) !== EVENTTYPE_CLOCK) return pollOneoff(inPtr, outPtr, count, neventsPtr);
      const timeout = view.getBigUint64(sub + 24, true);
      if (!(view.getUint16(sub + 40, true) & SUBCLOCKFLAG_ABSTIME)) waits.push(timeout);
      else {
        const now = view.getUint32(sub + 16, true) === CLOCK_REALTIME ? BigInt(Date.now()) * 1_000_000n : process.hrtime.bigint();
        waits.push(timeout > now ? timeout - now : 0n);
      }
    }
    const soonest = waits.reduce((a, b) => (b < a ? b : a));
    if (soonest > 0n) Atomics.wait(cell, 0, 0, Number(soonest) / 1e6);
    let events = 0;
    waits.forEach((wait, i) => {
      if (wait > soonest) return;
      const event = outPtr + events++ * EVENT_BYTES;
      for (let b = 0; b < EVENT_BYTES; b++) view.setUint8(event + b, 0);
      view.setBigUint64(event, view.getBigUint64(inPtr + i * SUBSCRIPTION_BYTES, true), true); // userdata
      view.setUint8(event + 10, EVENTTYPE_CLOCK);
    });
    view.setUint32(neventsPtr, events, true);
    return 0;
  };
}

/**
 * node:wasi (uvwasi) checks a guest's path by its letters and lets the host's kernel resolve the
 * folders in it, so a link the guest made between them takes the path anywhere on the host: with a
 * folder link to "." inside a folder, "f/x/x/../../.." stays inside by its letters and is three
 * levels above the sandbox to the kernel (tests/runtime/hostile-guest.test.ts proves it reads and
 * overwrites host files). Node's documentation says as much ("do not rely on it to run untrusted
 * code"). So guests get no path_symlink: os.symlink raises PermissionError. Links already in a
 * folder the host preopens are followed the same way: preopen only folders the host controls.
 */
function withoutSymlinks(imports) {
  return { ...imports, path_symlink: () => ERRNO_PERM };
}

/** WASI's errno for "no file descriptors available" (EMFILE). */
const ERRNO_MFILE = 33;
/** stdin, stdout, stderr: the guest's first descriptors, which the count starts after. */
const STDIO_FDS = 3;

/**
 * node:wasi gives the guest a host file descriptor for every file it opens: a guest that opened
 * until it failed left the host process none (the host then crashed reading the outputs). The guest
 * may hold `maxOpenFiles` at once (its preopened folders included); past it path_open answers
 * EMFILE, as the guest's own kernel would.
 */
function boundedOpenFiles(imports, maxOpenFiles, preopens) {
  let open = preopens;
  return {
    ...imports,
    path_open: (...args) => {
      if (open >= maxOpenFiles) return ERRNO_MFILE;
      const errno = imports.path_open(...args);
      if (errno === 0) open++;
      return errno;
    },
    fd_close: (fd) => {
      const errno = imports.fd_close(fd);
      if (errno === 0 && fd >= STDIO_FDS) open--;
      return errno;
    },
    fd_renumber: (from, to) => {
      const errno = imports.fd_renumber(from, to);
      if (errno === 0 && to >= STDIO_FDS) open--; // `to` was closed, `from` took its number
      return errno;
    },
  };
}

/** node:wasi's imports as a hostile guest gets them: no symlinks, sleeps a stop can interrupt, a bounded number of open files. */
function guarded(imports, getMemory, job) {
  const safe = boundedOpenFiles(withoutSymlinks(imports), job.maxOpenFiles, Object.keys(job.preopens).length);
  return { ...safe, poll_oneoff: sleepInterruptibly(safe.poll_oneoff, getMemory) };
}

/** node:wasi's proc_exit (with returnOnExit) throws this symbol and keeps the code on the WASI. */
const exitCodeOf = (wasi, thrown) => (typeof thrown === 'symbol' && thrown.description === 'kExitCode' ? wasi[thrown] : undefined);

/**
 * The instance a `keep` job left for the next one: reactors are reused across calls when asked (the
 * way a host that calls process() on every file does), as long as the next job sees the same
 * folders, environment and arguments. A call that traps or exits discards it.
 * @type {{ key: string, wasi: WASI, instance: WebAssembly.Instance } | undefined}
 */
let kept;

function jobKey(job) {
  return JSON.stringify([job.args, job.env, job.preopens, job.stdio, job.maxOpenFiles]);
}

function run(job) {
  if (job.mode === 'call' && job.keep && kept?.key === jobKey(job)) return callOn(kept.wasi, kept.instance, job, 0);
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
  const memory = () => /** @type {WebAssembly.Memory | undefined} */ (instance?.exports.memory);
  try {
    instance = new WebAssembly.Instance(module, followMemoryGrowth(wasi, memory, job));
    if (job.mode === 'command') return { status: 'ok', value: wasi.start(instance), memoryBytes: memoryOf(instance) };
    wasi.initialize(instance);
  } catch (thrown) {
    return failure(wasi, instance, job, thrown);
  }
  if (job.keep) kept = { key: jobKey(job), wasi, instance };
  return callOn(wasi, instance, job, performance.now() - started);
}

/** Calls the job's export; `instantiateMs` is what making the instance took (0 for a kept one). */
function callOn(wasi, instance, job, instantiateMs) {
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
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  // V8 reports a wasm stack overflow as a RangeError, not a RuntimeError.
  if (thrown instanceof WebAssembly.RuntimeError || (thrown instanceof RangeError && /call stack/.test(message))) return { status: 'trap', message, memoryBytes };
  return { status: 'host', message: thrown instanceof Error ? thrown.stack ?? message : message };
}

parentPort?.on('message', (job) => parentPort?.postMessage({ id: job.id, ...run(job) }));
