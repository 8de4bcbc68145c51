import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from './run';
import { BUILD_TOOLS } from './toolchain';

/**
 * Patches are files (`NNNN-what.patch`, unified diffs against the unpacked source), applied in
 * order; each starts with a "Reason:" paragraph saying why it is needed on WASI.
 */
export function listPatches(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.patch')).sort().map((f) => join(dir, f));
}

/** Identity of a patch set, for cache keys. */
export function patchesKey(dir: string): string[] {
  return listPatches(dir).map((p) => createHash('sha256').update(readFileSync(p)).digest('hex').slice(0, 16));
}

export async function applyPatches(src: string, dir: string, logFile: string): Promise<void> {
  for (const patch of listPatches(dir)) {
    await runCommand({ argv: [BUILD_TOOLS.patch, '-p1', '--forward', '--batch', '-i', patch], cwd: src }, { logFile });
  }
}
