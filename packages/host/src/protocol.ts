// The messages between a pool and its workers (worker.mjs).

export interface GuestJob {
  id: number;
  /** command: _start with args; call: a reactor's export (after _initialize, when it has one). */
  mode: 'command' | 'call';
  call?: string;
  /** call: keep the instance for the next keep job with the same args, env, preopens and stdio. */
  keep?: boolean;
  args: string[];
  env: Record<string, string>;
  /** Guest path -> host path. */
  preopens: Record<string, string>;
  /** stdin, stdout, stderr: host file descriptors. */
  stdio: [number, number, number];
  /** Files the guest may hold open at once (its preopened folders included). */
  maxOpenFiles: number;
  /** Bytes the guest may write to its stdout and stderr in one run; undefined: no bound. */
  maxPrintedBytes?: number;
}

export type GuestOutcome =
  | { id: number; status: 'ok'; value: number; memoryBytes?: number; instantiateMs?: number; callMs?: number }
  | { id: number; status: 'trap'; message: string; memoryBytes?: number }
  | { id: number; status: 'exit'; code: number; memoryBytes?: number }
  | { id: number; status: 'sandbox-limit'; message: string; memoryBytes?: number }
  | { id: number; status: 'host'; message: string };
