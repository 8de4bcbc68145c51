// @ts-check
// What a guest's WASI calls go through on Node: node:wasi's own functions, guarded against a hostile
// guest (tests/runtime/hostile-guest.test.ts proves each guard's need). Plain JavaScript, imported by
// worker.mjs.

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
    // Out-of-range pointers go to node:wasi, which answers them with an errno.
    const fits = (ptr, bytes) => ptr + bytes <= (memory?.buffer.byteLength ?? 0);
    if (!memory || count === 0 || !fits(inPtr, count * SUBSCRIPTION_BYTES) || !fits(outPtr, count * EVENT_BYTES) || !fits(neventsPtr, 4)) return pollOneoff(inPtr, outPtr, count, neventsPtr);
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

/** Thrown out of the guest when it printed more than its job allows; the run ends with 'sandbox-limit'. */
export class PrintLimitSignal extends Error {}

const IOVEC_BYTES = 8;

/**
 * What the guest writes to its stdout and stderr goes to host descriptors (a terminal, a log): a
 * guest printing without end fills them. Past `maxPrintedBytes` in one run the run ends; every later
 * WASI call of that instance ends it again, so a guest that caught the first cannot go on.
 */
function boundedPrinting(imports, maxPrintedBytes, getMemory, budget) {
  if (maxPrintedBytes === undefined) return imports;
  let stopped = false;
  const stop = () => {
    stopped = true;
    throw new PrintLimitSignal(`the guest printed more than ${maxPrintedBytes} bytes (limit maxPrintedBytes): the run was stopped`);
  };
  const sticky = Object.fromEntries(Object.entries(imports).map(([name, fn]) => [name, (...args) => (stopped ? stop() : fn(...args))]));
  return {
    ...sticky,
    fd_write: (fd, iovs, count, nwritten) => {
      const buffer = getMemory().buffer;
      if ((fd === 1 || fd === 2) && iovs + count * IOVEC_BYTES <= buffer.byteLength) {
        const view = new DataView(buffer);
        for (let i = 0; i < count; i++) budget.printed += view.getUint32(iovs + i * IOVEC_BYTES + 4, true);
        if (budget.printed > maxPrintedBytes) stop();
      }
      return sticky.fd_write(fd, iovs, count, nwritten);
    },
  };
}

/** WASI's errno for "try again" (EAGAIN). */
const ERRNO_AGAIN = 6;

/**
 * The host's stdout and stderr may be non-blocking (Node makes its own pipes so): node:wasi then
 * answers a write to a full pipe with EAGAIN, which Python raises (BlockingIOError) in the middle of
 * a print. Writes to the guest's stdout and stderr wait for the pipe instead (in Atomics.wait, which
 * stopping the worker interrupts).
 */
function patientStdio(imports) {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  return {
    ...imports,
    fd_write: (fd, iovs, count, nwritten) => {
      for (;;) {
        const errno = imports.fd_write(fd, iovs, count, nwritten);
        if (errno !== ERRNO_AGAIN || (fd !== 1 && fd !== 2)) return errno;
        Atomics.wait(cell, 0, 0, 1);
      }
    },
  };
}

/**
 * node:wasi's imports as a hostile guest gets them: no symlinks, sleeps a stop can interrupt, a
 * bounded number of open files and of printed bytes (`budget.printed`, which the caller resets
 * for each run).
 */
export function guarded(imports, getMemory, job, budget) {
  const safe = boundedOpenFiles(withoutSymlinks(patientStdio(imports)), job.maxOpenFiles, Object.keys(job.preopens).length);
  return boundedPrinting({ ...safe, poll_oneoff: sleepInterruptibly(safe.poll_oneoff, getMemory) }, job.maxPrintedBytes, getMemory, budget);
}
