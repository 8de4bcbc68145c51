// What a run can end with besides its result. Every error names its cause (`reason` is a string a
// caller can switch on) and what the run had reached; the worker that ran it is replaced, so the
// host process and the other runs go on.

export type RunFailureReason = 'deadline' | 'memory-cap' | 'trap' | 'exit' | 'sandbox-limit' | 'output-quota' | 'host';

export abstract class WasiRunError extends Error {
  abstract readonly reason: RunFailureReason;
  /** The guest's memory when the run ended, in bytes (undefined when the worker was stopped). */
  memoryBytes?: number;
}

/** The run took longer than its deadline; its worker was stopped. */
export class DeadlineExceededError extends WasiRunError {
  readonly reason = 'deadline' as const;
  constructor(readonly deadlineMs: number) {
    super(`the run exceeded its deadline of ${deadlineMs} ms and was stopped`);
    this.name = 'DeadlineExceededError';
  }
}

/**
 * The guest trapped with its memory at the cap: it ran out of the memory it may have (most Python
 * code gets MemoryError instead and goes on; this is what is left when it could not recover).
 */
export class MemoryCapError extends WasiRunError {
  readonly reason = 'memory-cap' as const;
  constructor(readonly capBytes: number, memoryBytes: number, readonly trap: string) {
    super(`the run ran out of memory at its cap of ${capBytes / 1024 ** 2} MiB (the guest trapped: ${trap})`);
    this.name = 'MemoryCapError';
    this.memoryBytes = memoryBytes;
  }
}

/** The guest trapped (unreachable, out-of-bounds access, stack overflow...). */
export class TrapError extends WasiRunError {
  readonly reason = 'trap' as const;
  constructor(readonly trap: string, memoryBytes?: number) {
    super(`the guest trapped: ${trap}`);
    this.name = 'TrapError';
    this.memoryBytes = memoryBytes;
  }
}

/** A reactor's call ended the instance with proc_exit (a command's exit code is its result instead). */
export class GuestExitError extends WasiRunError {
  readonly reason = 'exit' as const;
  constructor(readonly exitCode: number) {
    super(`the guest exited with code ${exitCode} during the call`);
    this.name = 'GuestExitError';
  }
}

/**
 * The guest's sandbox outgrew its limits (bytes, files and folders, depth): while it ran (the run was
 * stopped) or when its outputs were collected. Its files are removed.
 */
export class SandboxLimitError extends WasiRunError {
  readonly reason = 'sandbox-limit' as const;
  constructor(readonly limit: string) {
    super(limit);
    this.name = 'SandboxLimitError';
  }
}

/**
 * The outputs (/metadata and /subcontent) hold more than the output quota (maxOutputBytes,
 * maxOutputFiles): the input has no result; the host read at most the quota.
 */
export class OutputQuotaError extends WasiRunError {
  readonly reason = 'output-quota' as const;
  constructor(message: string) {
    super(message);
    this.name = 'OutputQuotaError';
  }
}

/** The worker failed outside the guest (it could not start, or died). */
export class HostError extends WasiRunError {
  readonly reason = 'host' as const;
  constructor(message: string) {
    super(message);
    this.name = 'HostError';
  }
}
