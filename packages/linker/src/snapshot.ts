import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CommandError, WasiPystackError, runCommand } from '@wasi-pystack/core';
import { applySnapshot, definedGlobals, exportMutableGlobals, GLOBAL_EXPORT_PREFIX, sameStateLayout, type SnapshotState } from './snapshot-image';

/** The reactor's export the snapshot runs, and the restored instance's _initialize (renamed from). */
export const SNAPSHOT_INIT_EXPORT = 'wizer.initialize';
export const SNAPSHOT_RENAMES: [string, string][] = [['_initialize', 'wasi_pystack_initialize']];

/**
 * The command that runs a module's initialization (snapshot-run.mjs) in a process of its own with
 * this Node: a failing module cannot take the build down, and its output is the step's log. V8's
 * stack is raised (Python's imports nest deeply) and stays below the main thread's 8 MiB.
 */
export function snapshotCommand(instrumented: string, statePrefix: string, initExport = SNAPSHOT_INIT_EXPORT): string[] {
  return [process.execPath, '--stack-size=4000', '--no-warnings', join(__dirname, 'snapshot-run.mjs'), instrumented, statePrefix, initExport, GLOBAL_EXPORT_PREFIX];
}

/**
 * Takes a module's snapshot: its mutable globals exported, its `initExport` run in a process of its
 * own, and the module written back with that run's memory and globals (exports renamed [to, from],
 * the init export dropped). `logFile` gets the run's output. `into`: write the state into this
 * module instead, one of the same state layout (sameStateLayout: the exnref translation of the one
 * that runs).
 */
export async function takeSnapshot(module: Buffer, options: { initExport?: string; rename?: [string, string][]; workDir: string; logFile: string; into?: Buffer }): Promise<Buffer> {
  if (options.into && !sameStateLayout(module, options.into)) throw new Error('the module to write the snapshot into has another memory, globals, exports or data than the one that ran');
  const initExport = options.initExport ?? SNAPSHOT_INIT_EXPORT;
  const instrumented = join(options.workDir, 'snapshot-input.wasm');
  const statePrefix = join(options.workDir, 'snapshot-state');
  writeFileSync(instrumented, exportMutableGlobals(module));
  try {
    await runCommand({ argv: snapshotCommand(instrumented, statePrefix, initExport), cwd: options.workDir }, { logFile: options.logFile });
    const globals = JSON.parse(readFileSync(`${statePrefix}.globals.json`, 'utf8')) as Record<string, string>;
    const types = new Map(definedGlobals(module).map((g) => [g.index, g.type]));
    const state: SnapshotState = {
      memory: readFileSync(`${statePrefix}.memory`),
      globals: new Map(Object.entries(globals).map(([index, value]) => [Number(index), types.get(Number(index)) === 'i64' ? BigInt(value) : Number(value)])),
    };
    return applySnapshot(options.into ?? module, state, { rename: options.rename ?? [], drop: [initExport] });
  } finally {
    for (const f of [instrumented, `${statePrefix}.memory`, `${statePrefix}.globals.json`]) rmSync(f, { force: true });
  }
}

/**
 * A snapshot's str hash secret: derived from what the module holds, so the same inputs give the same
 * module (reproducible builds) and other inputs another secret. Never 0, which would turn
 * randomization off. Anyone holding the module can read it (docs/snapshots.md).
 */
export function snapshotHashSeed(parts: (string | Buffer)[]): number {
  const hash = createHash('sha256');
  for (const p of parts) hash.update(p);
  return hash.digest().readUInt32LE(0) || 1;
}

/** The first import that failed in wizer.initialize, with the last line of its traceback. */
export function snapshotFailure(stderr: string): { module?: string; reason: string } {
  const lines = stderr.split('\n').map((l) => l.trimEnd()).filter(Boolean);
  const named = /^wasi-pystack: cannot import (\S+)$/.exec(lines.find((l) => l.startsWith('wasi-pystack: cannot import')) ?? '');
  const reason = [...lines].reverse().find((l) => /^[A-Za-z_][\w.]*(Error|Exception|Exit)\b/.test(l)) ?? lines.filter((l) => !l.startsWith('Error:')).pop() ?? 'no output';
  return { module: named?.[1], reason };
}

/**
 * Pre-initializes a reactor: its `wizer.initialize` export runs (interpreter started, entry and
 * preimports imported; no directories, environment or arguments) and the module is written with
 * that memory as its data and the restored instance's `_initialize` renamed from
 * `wasi_pystack_initialize`. A failing import becomes one error naming the module.
 */
/** logFile should hold only this step's output: it is read back to name the failing import. */
export async function snapshotReactor(input: string, output: string, logFile: string, what: string, into?: string): Promise<void> {
  try {
    writeFileSync(output, await takeSnapshot(readFileSync(input), { rename: SNAPSHOT_RENAMES, workDir: dirname(output), logFile, into: into ? readFileSync(into) : undefined }));
  } catch (e) {
    if (!(e instanceof CommandError)) throw e;
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : e.logTail;
    const failure = snapshotFailure(log);
    const warmup = /^wasi-pystack: warm-up (\S+) failed$/m.exec(log);
    if (warmup) {
      throw new WasiPystackError(`${what}: the warm-up ${warmup[1]} failed while taking the snapshot: ${failure.reason}`, `make ${warmup[1]} work at build time (no files, directories or environment), or remove [tool.wasi-pystack] warmup; full output in ${logFile}`);
    }
    if (failure.module) {
      throw new WasiPystackError(`${what}: importing ${failure.module} failed while taking the snapshot: ${failure.reason}`, `make \`import ${failure.module}\` work (it runs at build time, with no directories or environment), or link with snapshot: false; full output in ${logFile}`);
    }
    throw new WasiPystackError(`${what}: the snapshot failed: ${failure.reason}`, `see ${logFile}; link with snapshot: false to build without one`);
  }
}
