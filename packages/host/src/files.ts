// The toolchain's reactor contract on the host side: an input file is /data.bin in a sandbox folder
// that is the guest's "/", process() writes /metadata/* (text) and /subcontent/* (files), and returns
// 0 on success. Each input gets its own sandbox and a fresh instance, so one input cannot see or
// disturb another; the sandbox is watched while the guest runs and read without following links
// (sandbox.ts).
import { openSync } from 'node:fs';
import { devNull } from 'node:os';
import { HostError, SandboxLimitError, WasiRunError } from './errors';
import type { HostPool, RunOptions } from './pool';
import { Sandbox, type OutputQuota, type SandboxLimits, type SandboxOutputs } from './sandbox';

/** What process() may print per input unless told otherwise. */
export const DEFAULT_MAX_PRINTED_BYTES = 16 * 1024 ** 2;

/** How often the host measures a running guest's sandbox against its limits. */
export const SANDBOX_WATCH_MS = 50;

let nullDevice: number | undefined;
/** process() reads its input from /data.bin; its stdin is empty, never the host's. */
const emptyStdin = () => (nullDevice ??= openSync(devNull, 'r'));

export interface ProcessOptions extends Pick<RunOptions, 'deadlineMs' | 'env' | 'stdout' | 'stderr' | 'maxOpenFiles'>, OutputQuota {
  /** The folder sandboxes are made in (one per input, removed afterwards). Default: the OS's temp folder. */
  sandboxRoot?: string;
  /** processAll: a fresh instance per input (default), or one instance reused for every input. */
  instance?: 'fresh' | 'reuse';
  /** What the guest may keep in its sandbox (bytes, files and folders); past it the run is stopped. */
  sandboxLimits?: SandboxLimits;
  /** Bytes process() may write to its stdout and stderr per input; past it the run is stopped. Default 16 MiB. */
  maxPrintedBytes?: number;
}

export interface ProcessResult {
  /** The input as given (a path, or the name given with its bytes). */
  input: string;
  /** What process() returned: 0 is success (the project's entry ran and returned). */
  rc: number;
  /** /metadata/*: file name -> text. */
  metadata: SandboxOutputs['metadata'];
  /** /subcontent/*: file name -> bytes. */
  subcontent: SandboxOutputs['subcontent'];
  /** Entries of /metadata and /subcontent the host did not read (links, hard links, fifos...), with the reason. */
  refused: SandboxOutputs['refused'];
  memoryBytes: number;
  durationMs: number;
  /** Making the instance (0 when reused) and process() itself, in the worker, in milliseconds. */
  instantiateMs: number;
  processMs: number;
}

/** An input: a path, or bytes with a name for reports. */
export type ProcessInput = string | { name: string; bytes: Uint8Array };

export type ProcessOutcome = { input: string; ok: true; result: ProcessResult } | { input: string; ok: false; error: WasiRunError };

const inputName = (input: ProcessInput) => (typeof input === 'string' ? input : input.name);

async function processIn(sandbox: Sandbox, pool: HostPool, input: ProcessInput, options: ProcessOptions, keepInstance: boolean): Promise<ProcessResult> {
  hostStep('prepare the sandbox', () => sandbox.prepare(typeof input === 'string' ? input : input.bytes));
  const stop = new AbortController();
  const watch = setInterval(() => {
    const over = sandbox.violation();
    if (over) stop.abort(new SandboxLimitError(`${over}: the run was stopped`));
  }, SANDBOX_WATCH_MS);
  let run;
  try {
    run = await pool.call('process', { ...options, dirs: { '/': sandbox.dir }, stdin: emptyStdin(), maxPrintedBytes: options.maxPrintedBytes ?? DEFAULT_MAX_PRINTED_BYTES, keepInstance, signal: stop.signal });
  } finally {
    clearInterval(watch);
  }
  return { input: inputName(input), rc: run.value, ...hostStep('read the outputs', () => sandbox.collect({ maxOutputBytes: options.maxOutputBytes, maxOutputFiles: options.maxOutputFiles })), memoryBytes: run.memoryBytes, durationMs: run.durationMs, instantiateMs: run.instantiateMs ?? 0, processMs: run.callMs ?? 0 };
}

/** A host step around a run: its own failure (not a run error) fails this input, not the whole batch. */
function hostStep<T>(what: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof WasiRunError) throw error;
    throw new HostError(`the host could not ${what}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Runs process() once for `input` on a fresh instance in its own sandbox. */
export async function processInput(pool: HostPool, input: ProcessInput, options: ProcessOptions = {}): Promise<ProcessResult> {
  const sandbox = new Sandbox(options.sandboxRoot, options.sandboxLimits);
  try {
    return await processIn(sandbox, pool, input, options, false);
  } finally {
    sandbox.remove();
  }
}

async function outcome(input: ProcessInput, run: () => Promise<ProcessResult>): Promise<ProcessOutcome> {
  try {
    return { input: inputName(input), ok: true, result: await run() };
  } catch (error) {
    if (error instanceof WasiRunError) return { input: inputName(input), ok: false, error };
    throw error;
  }
}

/**
 * Runs process() for every input; each input's outcome is its result or the error that ended its run
 * (a deadline, the memory cap, a trap), in input order. Fresh instances (the default) run as many at
 * a time as the pool has workers. `instance: 'reuse'` calls process() on one instance, input after
 * input, in one sandbox (a one-worker pool; a failed run's instance is replaced by a fresh one).
 */
export async function processAll(pool: HostPool, inputs: ProcessInput[], options: ProcessOptions = {}): Promise<ProcessOutcome[]> {
  if (options.instance !== 'reuse') return Promise.all(inputs.map((input) => outcome(input, () => processInput(pool, input, options))));
  if (pool.size !== 1) throw new RangeError(`instance: 'reuse' runs inputs one after another on one instance: use a pool of size 1 (this one has ${pool.size})`);
  const sandbox = new Sandbox(options.sandboxRoot, options.sandboxLimits);
  try {
    const outcomes: ProcessOutcome[] = [];
    for (const input of inputs) outcomes.push(await outcome(input, () => processIn(sandbox, pool, input, options, true)));
    return outcomes;
  } finally {
    sandbox.remove();
  }
}
