// A pool of worker threads that run one module: each run gets a fresh instance in a free worker, with
// a deadline and the module's memory cap. A run that overruns its deadline has its worker stopped and
// replaced; a trap ends only that run. Runs beyond the pool's size wait for a free worker.
import { basename, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DeadlineExceededError, GuestExitError, HostError, MemoryCapError, SandboxLimitError, TrapError, WasiRunError } from './errors';
import type { LoadedModule } from './load';
import type { GuestJob, GuestOutcome } from './protocol';
import { stopWorker } from './stop-worker';

/**
 * The native stack of each worker thread. CPython on WASI allows 5000 levels of C recursion before
 * RecursionError; each level takes several wasm frames, far more than V8's default stack (about
 * 1 MiB on the main thread) holds. 64 MiB holds them with room (tests/runtime/stack-overflow.test.ts).
 */
export const DEFAULT_STACK_MB = 64;

/** Files a guest may hold open at once unless a run says otherwise. */
export const DEFAULT_MAX_OPEN_FILES = 256;

export interface PoolOptions {
  /** Workers, and so runs at a time. Default 1. */
  size?: number;
  /** Native stack of each worker in MiB. Default DEFAULT_STACK_MB. */
  stackMb?: number;
}

export interface RunOptions {
  /** Ends the run (its worker is stopped) after this many milliseconds. Default: none. */
  deadlineMs?: number;
  /** The guest's arguments after argv[0] (the module's file name). */
  args?: string[];
  env?: Record<string, string>;
  /** Directories the guest sees: guest path -> host path. */
  dirs?: Record<string, string>;
  /**
   * Files the guest may hold open at once, its preopened folders included; past it opening a file
   * fails with EMFILE inside the guest. node:wasi gives the guest a host descriptor for each, and a
   * guest that took them all would leave the host none. Default DEFAULT_MAX_OPEN_FILES.
   */
  maxOpenFiles?: number;
  /**
   * Bytes the guest may write to its stdout and stderr in one run (a call, or a command's whole
   * run); past it the run ends with SandboxLimitError. Default: no bound (process() runs: 16 MiB).
   */
  maxPrintedBytes?: number;
  /** Host file descriptors for the guest's stdin, stdout and stderr. Default 0, 1, 2 (the host's). */
  stdin?: number;
  stdout?: number;
  stderr?: number;
  /**
   * call() only: keep the instance in its worker for the next call with the same options (args, env,
   * dirs, stdio), instead of a fresh instance per call. Faster, not isolated: state carries over.
   */
  keepInstance?: boolean;
  /**
   * Stops the run when aborted: its worker is stopped (as for a deadline) and the run is rejected
   * with the signal's reason when that is a WasiRunError, else with a HostError.
   */
  signal?: AbortSignal;
}

export interface RunResult {
  /** A command's exit code, or the value the reactor's function returned. */
  value: number;
  /** The guest's memory at the end, in bytes. */
  memoryBytes: number;
  /** From handing the run to its worker to its result, in milliseconds. */
  durationMs: number;
  /** call() only: making the instance (0 for a kept one), and the call itself, in the worker. */
  instantiateMs?: number;
  callMs?: number;
}

interface PendingRun {
  job: GuestJob;
  deadlineMs?: number;
  signal?: AbortSignal;
  resolve(result: RunResult): void;
  reject(error: WasiRunError): void;
}

interface Slot {
  worker: Worker;
  run?: PendingRun & { timer?: NodeJS.Timeout; started: number; onAbort?: () => void };
}

/** The worker's script (plain JavaScript, shipped beside the package's code). */
export const WORKER_FILE = join(__dirname, 'worker.mjs');

export class HostPool {
  private readonly slots: Slot[] = [];
  private readonly queue: PendingRun[] = [];
  private nextId = 1;
  private closed = false;

  constructor(
    readonly module: LoadedModule,
    private readonly options: PoolOptions = {},
  ) {
    const size = this.size;
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`a pool needs at least one worker (size ${size})`);
    for (let i = 0; i < size; i++) this.slots.push(this.startWorker());
  }

  /** Workers, and so runs at a time. */
  get size(): number {
    return this.options.size ?? 1;
  }

  /** Runs a command module's _start with a fresh instance; resolves with its exit code. */
  runCommandModule(options: RunOptions = {}): Promise<RunResult> {
    if (this.module.kind !== 'command') return Promise.reject(new HostError(`${this.module.source} is a reactor: call its functions with call()`));
    return this.submit('command', undefined, options);
  }

  /** Calls a reactor's export (after _initialize) on a fresh instance; resolves with what it returned. */
  call(name: string, options: RunOptions = {}): Promise<RunResult> {
    if (!this.module.exports.includes(name)) return Promise.reject(new HostError(`${this.module.source} exports no function ${name} (it exports ${this.module.exports.join(', ')})`));
    return this.submit('call', name, options);
  }

  /** Stops every worker; queued runs are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    for (const run of this.queue.splice(0)) run.reject(new HostError('the pool was closed before the run started'));
    await Promise.all(this.slots.map((slot) => stopWorker(slot.worker)));
  }

  private submit(mode: GuestJob['mode'], call: string | undefined, options: RunOptions): Promise<RunResult> {
    if (this.closed) return Promise.reject(new HostError('the pool is closed'));
    const job: GuestJob = {
      id: this.nextId++,
      mode,
      call,
      keep: mode === 'call' && options.keepInstance === true,
      args: [basename(this.module.source), ...(options.args ?? [])],
      env: options.env ?? {},
      preopens: options.dirs ?? {},
      stdio: [options.stdin ?? 0, options.stdout ?? 1, options.stderr ?? 2],
      maxOpenFiles: options.maxOpenFiles ?? DEFAULT_MAX_OPEN_FILES,
      maxPrintedBytes: options.maxPrintedBytes,
    };
    if (options.signal?.aborted) return Promise.reject(abortError(options.signal));
    return new Promise<RunResult>((resolve, reject) => {
      this.queue.push({ job, deadlineMs: options.deadlineMs, signal: options.signal, resolve, reject });
      this.pump();
    });
  }

  private startWorker(): Slot {
    const worker = new Worker(WORKER_FILE, {
      workerData: { module: this.module.compiled },
      resourceLimits: { stackSizeMb: this.options.stackMb ?? DEFAULT_STACK_MB },
      stdin: false,
      // node:wasi warns that it is experimental, once per worker: once is the host's business.
      execArgv: [...process.execArgv, '--disable-warning=ExperimentalWarning'],
    });
    const slot: Slot = { worker };
    worker.on('message', (outcome: GuestOutcome) => this.finish(slot, outcome));
    worker.on('error', (error) => this.fail(slot, new HostError(`the worker failed: ${error.message}`)));
    worker.on('exit', (code) => this.fail(slot, new HostError(`the worker exited with code ${code}`)));
    worker.unref();
    return slot;
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.run) continue;
      let run = this.queue.shift();
      while (run?.signal?.aborted) {
        run.reject(abortError(run.signal));
        run = this.queue.shift();
      }
      if (!run) return;
      slot.run = { ...run, started: performance.now() };
      const deadlineMs = run.deadlineMs;
      if (deadlineMs !== undefined) slot.run.timer = setTimeout(() => this.fail(slot, new DeadlineExceededError(deadlineMs)), deadlineMs);
      if (run.signal) {
        const signal = run.signal;
        slot.run.onAbort = () => this.fail(slot, abortError(signal));
        signal.addEventListener('abort', slot.run.onAbort, { once: true });
      }
      slot.worker.ref();
      slot.worker.postMessage(run.job);
    }
  }

  private finish(slot: Slot, outcome: GuestOutcome): void {
    const run = slot.run;
    if (!run || run.job.id !== outcome.id) return;
    clearTimeout(run.timer);
    if (run.onAbort) run.signal?.removeEventListener('abort', run.onAbort);
    slot.run = undefined;
    slot.worker.unref();
    const durationMs = performance.now() - run.started;
    if (outcome.status === 'ok') run.resolve({ value: outcome.value, memoryBytes: outcome.memoryBytes ?? 0, durationMs, instantiateMs: outcome.instantiateMs, callMs: outcome.callMs });
    else if (outcome.status === 'exit') run.reject(Object.assign(new GuestExitError(outcome.code), { memoryBytes: outcome.memoryBytes }));
    else if (outcome.status === 'trap') run.reject(this.trapError(outcome.message, outcome.memoryBytes));
    else if (outcome.status === 'sandbox-limit') run.reject(Object.assign(new SandboxLimitError(outcome.message), { memoryBytes: outcome.memoryBytes }));
    else run.reject(new HostError(outcome.message));
    this.pump();
  }

  /**
   * The run ends with `error`; its worker is stopped and replaced (a stopped worker's instance is
   * gone). The run is rejected once the worker has stopped (or STOP_GRACE_MS later), so the guest
   * no longer touches its folders when the caller cleans them up.
   */
  private fail(slot: Slot, error: WasiRunError): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return; // already replaced
    const run = slot.run;
    if (run) {
      clearTimeout(run.timer);
      if (run.onAbort) run.signal?.removeEventListener('abort', run.onAbort);
    }
    slot.run = undefined;
    slot.worker.removeAllListeners('exit');
    slot.worker.removeAllListeners('message');
    const stopped = stopWorker(slot.worker);
    if (this.closed) this.slots.splice(index, 1);
    else this.slots[index] = this.startWorker();
    if (run) void stopped.then(() => run.reject(error));
    this.pump();
  }

  /** A trap with the memory within an eighth of the cap is the cap's doing; any other is a trap. */
  private trapError(message: string, memoryBytes?: number): WasiRunError {
    const cap = this.module.memory.maximumBytes;
    if (cap !== undefined && memoryBytes !== undefined && memoryBytes >= cap - cap / 8) return new MemoryCapError(cap, memoryBytes, message);
    return new TrapError(message, memoryBytes);
  }
}

/** The error a run stopped through its signal ends with: the signal's reason when it is a run error. */
function abortError(signal: AbortSignal): WasiRunError {
  return signal.reason instanceof WasiRunError ? signal.reason : new HostError(`the run was stopped: ${signal.reason instanceof Error ? signal.reason.message : String(signal.reason)}`);
}
