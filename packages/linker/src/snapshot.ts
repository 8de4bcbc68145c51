import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CommandError, WasiPystackError, runCommand } from '@wasi-pystack/core';

/** Wizer, the WebAssembly pre-initializer (npm @bytecodealliance/wizer, pinned in package.json). */
export function wizerCommand(): string[] {
  let pkg: string;
  try {
    pkg = require.resolve('@bytecodealliance/wizer/package.json');
  } catch {
    throw new WasiPystackError('Wizer is not installed (npm package @bytecodealliance/wizer)', 'install @wasi-pystack/linker with its dependencies (npm ci), or link with snapshot: false');
  }
  return [process.execPath, join(dirname(pkg), 'wizer.js')];
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
 * Pre-initializes a reactor: Wizer runs its `wizer.initialize` export (interpreter started, entry and
 * preimports imported; no directories, environment or arguments) and writes the module with that
 * memory as its data. A failing import becomes one error naming the module.
 */
/** logFile should hold only this step's output: it is read back to name the failing import. */
export async function snapshotReactor(input: string, output: string, logFile: string, what: string): Promise<void> {
  const argv = [...wizerCommand(), input, '-o', output, '--allow-wasi', '--init-func', 'wizer.initialize', '--rename-func', '_initialize=wasi_pystack_initialize', '--wasm-bulk-memory', 'true', '--inherit-stdio', 'true'];
  try {
    await runCommand({ argv, cwd: dirname(output) }, { logFile });
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
