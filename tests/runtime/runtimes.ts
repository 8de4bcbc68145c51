import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { venvPython } from '@wasi-pystack/core';

export const ROOT = resolve(__dirname, '..', '..');
/** The runners' Python (wasmtime from PyPI), set up by tools/setup.mjs. */
export const VENV_PYTHON = venvPython();

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions extends RunLimits {
  /** HOST::GUEST pairs. */
  dirs?: [string, string][];
  stdin?: string;
  env?: Record<string, string>;
}

/** The runners' limits on each run (both take the same options). */
export interface RunLimits {
  deadlineMs?: number;
  /** Bytes, or a size with KiB, MiB or GiB. */
  maxMemory?: string;
}

export interface WadupOptions extends RunLimits {
  fresh?: boolean;
  env?: Record<string, string>;
  /** What a sandbox may hold: a size (bytes, or with KiB, MiB, GiB) and files and folders. */
  sandboxMaxBytes?: string;
  sandboxMaxEntries?: number;
  /** What process() may print per input: a size (bytes, or with KiB, MiB, GiB). */
  maxPrintedBytes?: string;
  /** The runner's own stdin (the guest's is empty). */
  stdin?: string;
}

export interface Runtime {
  name: 'wasmtime' | 'node';
  run(module: string, args: string[], options?: RunOptions): RunResult;
  /** WADUP-like host: one instance (or, fresh, one per input), process() once per input; parsed result lines. */
  wadup(module: string, sandbox: string, inputs: string[], options?: WadupOptions): { results: WadupResult[]; stdout: string; stderr: string; code: number | null };
}

export interface WadupResult {
  input: string;
  /** The rest is absent when the run failed: then `error` says how. */
  rc: number;
  metadata: Record<string, string>;
  subcontent: string[];
  error?: { reason: string; message: string };
  /** Entries of the outputs the host did not read (links, hard links...), when there are any. */
  refused?: { path: string; reason: string }[];
  /** With a fresh instance per input. */
  instantiate_ms?: number;
  process_ms?: number;
}

function limitArgs(limits: RunLimits = {}): string[] {
  return [...(limits.deadlineMs === undefined ? [] : ['--deadline-ms', String(limits.deadlineMs)]), ...(limits.maxMemory === undefined ? [] : ['--max-memory', limits.maxMemory])];
}

function runnerArgs(options: RunOptions = {}): string[] {
  return [
    ...limitArgs(options),
    ...(options.dirs ?? []).flatMap(([h, g]) => ['--dir', `${h}::${g}`]),
    ...Object.entries(options.env ?? {}).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
  ];
}

function spawn(argv: string[], stdin?: string): RunResult {
  const r = spawnSync(argv[0], argv.slice(1), { input: stdin ?? '', encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function wadupArgs(options: WadupOptions = {}): string[] {
  return [
    ...(options.fresh ? ['--fresh-instance'] : []),
    ...(options.sandboxMaxBytes === undefined ? [] : ['--sandbox-max-bytes', options.sandboxMaxBytes]),
    ...(options.sandboxMaxEntries === undefined ? [] : ['--sandbox-max-entries', String(options.sandboxMaxEntries)]),
    ...(options.maxPrintedBytes === undefined ? [] : ['--max-printed-bytes', options.maxPrintedBytes]),
    ...runnerArgs({ env: options.env, deadlineMs: options.deadlineMs, maxMemory: options.maxMemory }),
  ];
}

function parseWadup(r: RunResult) {
  const results = r.stdout.split('\n').filter((l) => l.startsWith('WADUP ')).map((l) => JSON.parse(l.slice(6)) as WadupResult);
  return { ...r, results };
}

export const wasmtime: Runtime = {
  name: 'wasmtime',
  run: (module, args, options) => spawn([VENV_PYTHON, join(ROOT, 'tools', 'wasi-run.py'), ...runnerArgs(options), module, ...args], options?.stdin),
  wadup: (module, sandbox, inputs, options) => parseWadup(spawn([VENV_PYTHON, join(ROOT, 'tools', 'wasi-run.py'), '--wadup', sandbox, ...wadupArgs(options), module, ...inputs], options?.stdin)),
};

let moduleNodeBinary: string | undefined;
/**
 * The Node that runs modules: this one from Node 22 on. Node 20 runs no exnref, the default form of
 * C++ exception handling (docs/exceptions.md), so under it the newest Node CI tests (deps/hosts.json
 * "ci") runs them, installed into the cache by tools/host-matrix.mjs.
 */
export function moduleNode(): string {
  if (Number(process.versions.node.split('.')[0]) >= 22) return process.execPath;
  if (!moduleNodeBinary) {
    const version = JSON.parse(readFileSync(join(ROOT, 'deps', 'hosts.json'), 'utf8')).ci.node.at(-1) as string;
    const r = spawnSync(process.execPath, [join(ROOT, 'tools', 'host-matrix.mjs'), '--install', 'node', version], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`installing Node ${version} failed: ${r.stderr}`);
    moduleNodeBinary = r.stdout.trim();
  }
  return moduleNodeBinary;
}

export const node: Runtime = {
  name: 'node',
  run: (module, args, options) => spawn([moduleNode(), '--no-warnings', join(ROOT, 'tools', 'node-wasi-run.mjs'), ...runnerArgs(options), module, ...args], options?.stdin),
  wadup: (module, sandbox, inputs, options) => parseWadup(spawn([moduleNode(), '--no-warnings', join(ROOT, 'tools', 'node-wasi-run.mjs'), '--wadup', sandbox, ...wadupArgs(options), module, ...inputs], options?.stdin)),
};

export const RUNTIMES: Runtime[] = [wasmtime, node];

export function requireModule(path: string): string {
  const full = join(ROOT, path);
  if (!existsSync(full)) throw new Error(`${path} is missing: build it first (npm test builds it; or npx nx run-many -t build)`);
  return full;
}
