#!/usr/bin/env -S node --no-warnings
// A command-line face over @wasi-pystack/host (packages/host), with the interface of wasi-run.py:
//   node-wasi-run.mjs [--dir HOST::GUEST]... [--env NAME=VALUE]... [LIMITS] MODULE [ARGS...]
//     runs a command module; exits with its exit code.
//   node-wasi-run.mjs --wadup ROOT [--fresh-instance] [LIMITS] MODULE INPUT...
//     a reactor's process() per input, printing one `WADUP {json}` line each: one instance for all
//     inputs, or with --fresh-instance a new one per input (with "instantiate_ms" and "process_ms").
//     An input whose run fails prints {"input", "error": {"reason", "message"}} and the next input
//     gets a fresh instance. Sandboxes are made under ROOT. The guest's stdout and stderr go to
//     this process's stderr, so a guest cannot print result lines of its own.
//   LIMITS: --deadline-ms N (per run), --max-memory SIZE (bytes, or with KiB/MiB/GiB); with --wadup
//     also --sandbox-max-bytes SIZE and --sandbox-max-entries N (what a sandbox may hold) and
//     --max-printed-bytes SIZE (what process() may print per input, default 16 MiB), and the output
//     quota: --max-output-bytes SIZE and --max-output-files N (read back per input, default 64 MiB
//     and 1000). Entries the host did not read (links, hard links...) are listed in "refused".
// A failed command prints `node-wasi-run.mjs: <reason>: <message>` and exits 124 (deadline),
// 137 (memory cap) or 134 (trap, host failure).
// The package runs the guest in a worker with a 64 MiB stack and wraps node:wasi's imports in plain
// functions (Node 20 and 22 crash without): see packages/host/README.md.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { loadModule, createPool, processAll, memoryBytes, WasiRunError } = require('../packages/host/dist/index.js');

const EXIT_CODES = { deadline: 124, 'memory-cap': 137 };

function parseArgs(argv) {
  const opts = { dirs: {}, env: {}, wadup: null, freshInstance: false, deadlineMs: undefined, maxMemory: undefined, sandboxLimits: {} };
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--dir') {
      const [host, guest] = argv[++i].split('::');
      opts.dirs[guest ?? host] = host;
    } else if (a === '--env') {
      const [k, ...v] = argv[++i].split('=');
      opts.env[k] = v.join('=');
    } else if (a === '--wadup') opts.wadup = argv[++i];
    else if (a === '--fresh-instance') opts.freshInstance = true;
    else if (a === '--deadline-ms') opts.deadlineMs = Number(argv[++i]);
    else if (a === '--max-memory') opts.maxMemory = argv[++i];
    else if (a === '--sandbox-max-bytes') opts.sandboxLimits.maxBytes = memoryBytes(argv[++i]);
    else if (a === '--sandbox-max-entries') opts.sandboxLimits.maxEntries = Number(argv[++i]);
    else if (a === '--max-printed-bytes') opts.maxPrintedBytes = memoryBytes(argv[++i]);
    else if (a === '--max-output-bytes') opts.maxOutputBytes = memoryBytes(argv[++i]);
    else if (a === '--max-output-files') opts.maxOutputFiles = Number(argv[++i]);
    else break;
  }
  return { ...opts, module: argv[i], args: argv.slice(i + 1) };
}

function wadupLine({ input, ok, result, error }, fresh) {
  if (!ok) return { input, error: { reason: error.reason, message: error.message } };
  const line = { input, rc: result.rc, metadata: result.metadata, subcontent: Object.keys(result.subcontent).sort() };
  if (result.refused.length) line.refused = result.refused;
  if (fresh) Object.assign(line, { instantiate_ms: +result.instantiateMs.toFixed(3), process_ms: +result.processMs.toFixed(3) });
  return line;
}

async function main(opts) {
  let module;
  try {
    module = await loadModule(opts.module, { maxMemory: opts.maxMemory });
  } catch (error) {
    if (!(error instanceof WasiRunError)) throw error;
    process.stderr.write(`node-wasi-run.mjs: ${error.message}\n`);
    return 1;
  }
  const pool = createPool(module);
  try {
    if (opts.wadup) {
      const limits = { env: opts.env, deadlineMs: opts.deadlineMs, sandboxRoot: opts.wadup, sandboxLimits: opts.sandboxLimits, maxPrintedBytes: opts.maxPrintedBytes, maxOutputBytes: opts.maxOutputBytes, maxOutputFiles: opts.maxOutputFiles, stdout: 2, stderr: 2 };
      const outcomes = await processAll(pool, opts.args, { ...limits, instance: opts.freshInstance ? 'fresh' : 'reuse' });
      for (const outcome of outcomes) process.stdout.write(`WADUP ${JSON.stringify(wadupLine(outcome, opts.freshInstance))}\n`);
      return 0;
    }
    return (await pool.runCommandModule({ args: opts.args, env: opts.env, dirs: opts.dirs, deadlineMs: opts.deadlineMs })).value;
  } catch (error) {
    if (!(error instanceof WasiRunError)) throw error;
    process.stderr.write(`node-wasi-run.mjs: ${error.reason}: ${error.message}\n`);
    return EXIT_CODES[error.reason] ?? 134;
  } finally {
    await pool.close();
  }
}

// exit() rather than exitCode: a guest stopped inside a blocking WASI call (a read from a pipe) keeps
// its thread until the call returns, and Node would wait for it before exiting (host STOP_GRACE_MS).
process.exit(await main(parseArgs(process.argv.slice(2))));
