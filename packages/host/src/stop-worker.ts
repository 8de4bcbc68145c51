// Stopping a worker thread that runs a guest, without waiting on a guest that cannot be stopped.
import type { Worker } from 'node:worker_threads';

/**
 * How long stopping a worker may take before the host goes on without it. A worker stops at the
 * guest's next wasm instruction, but not inside a blocking WASI call: sleeps are made interruptible
 * (guest-imports.mjs), but a read from a pipe (a command's stdin) still blocks the worker's thread
 * until it returns. The thread cannot run guest code after that call, so the host need not wait.
 */
export const STOP_GRACE_MS = 1_000;

/** Stops a worker: resolves when it has stopped or STOP_GRACE_MS later (then it no longer keeps the process alive). */
export function stopWorker(worker: Worker): Promise<void> {
  const stopped = worker.terminate().then(
    () => undefined,
    () => undefined,
  );
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      worker.unref();
      resolve();
    }, STOP_GRACE_MS);
  });
  return Promise.race([stopped, grace]).finally(() => clearTimeout(timer));
}
