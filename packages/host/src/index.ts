// @wasi-pystack/host: runs wasi-pystack modules on Node. Load once, then run commands or a reactor's
// process() on fresh instances in a pool of workers, each run with a deadline and a memory cap.
import { processAll, type ProcessInput, type ProcessOptions, type ProcessOutcome } from './files';
import { loadModule, type LoadedModule, type LoadOptions } from './load';
import { join } from 'node:path';
import { HostPool, type PoolOptions, type RunOptions, type RunResult } from './pool';

/** The wasmtime host in Python (the PyPI wasmtime package), shipped in the package: see its docstring. */
export const WASMTIME_HOST = join(__dirname, '..', 'wasmtime', 'wasi_pystack_host.py');

export { DeadlineExceededError, GuestExitError, HostError, MemoryCapError, OutputQuotaError, SandboxLimitError, TrapError, WasiRunError, type RunFailureReason } from './errors';
export { DEFAULT_MAX_PRINTED_BYTES, processAll, processInput, SANDBOX_WATCH_MS, type ProcessInput, type ProcessOptions, type ProcessOutcome, type ProcessResult } from './files';
export { DEFAULT_OUTPUT_QUOTA, DEFAULT_SANDBOX_LIMITS, MAX_SANDBOX_DEPTH, Sandbox, type OutputQuota, type RefusedEntry, type SandboxLimits, type SandboxOutputs } from './sandbox';
export { loadModule, type LoadedModule, type LoadOptions } from './load';
export { capMemory, memoryBytes, memoryLimits, uleb128, usesExceptionHandling, withMemoryMaximum, PAGE_BYTES, type MemoryLimits } from './module-memory';
export { STOP_GRACE_MS } from './stop-worker';
export { DEFAULT_MAX_OPEN_FILES, DEFAULT_STACK_MB, HostPool, WORKER_FILE, type PoolOptions, type RunOptions, type RunResult } from './pool';
export type { CompiledModule } from './wasm-api';

/** A pool of `options.size` workers for a loaded module. Close it when done. */
export function createPool(module: LoadedModule, options: PoolOptions = {}): HostPool {
  return new HostPool(module, options);
}

async function withPool<T>(module: string | LoadedModule, options: LoadOptions & PoolOptions, use: (pool: HostPool) => Promise<T>): Promise<T> {
  const loaded = typeof module === 'string' ? await loadModule(module, options) : module;
  const pool = new HostPool(loaded, options);
  try {
    return await use(pool);
  } finally {
    await pool.close();
  }
}

/** Runs a command module once (a one-worker pool, closed afterwards). */
export function runCommandModule(module: string | LoadedModule, options: RunOptions & LoadOptions & Pick<PoolOptions, 'stackMb'> = {}): Promise<RunResult> {
  return withPool(module, options, (pool) => pool.runCommandModule(options));
}

/** Runs a reactor's process() once per input, `options.size` at a time; one outcome per input. */
export function processFiles(module: string | LoadedModule, inputs: ProcessInput[], options: ProcessOptions & LoadOptions & PoolOptions = {}): Promise<ProcessOutcome[]> {
  return withPool(module, options, (pool) => processAll(pool, inputs, options));
}
