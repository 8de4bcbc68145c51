import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { WasiPystackError } from './errors';
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

/**
 * The patch files of a recipe: folders (every .patch in them) and single files, applied in the
 * order of their file names, so a patch shared by two versions of a package exists once and is
 * named by both recipes. Two patches of one name are an error.
 */
export function collectPatches(entries: string[]): string[] {
  const files = entries.flatMap((e) => (existsSync(e) && statSync(e).isDirectory() ? listPatches(e) : [e]));
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length) throw new WasiPystackError('a recipe names patches that do not exist', 'correct the recipe\'s patches', missing);
  const byName = new Map<string, string>();
  for (const f of files) {
    const other = byName.get(basename(f));
    if (other && other !== f) throw new WasiPystackError(`two patches are named ${basename(f)}`, 'give each patch of a recipe its own number and name', [other, f]);
    byName.set(basename(f), f);
  }
  return [...byName.values()].sort((a, b) => basename(a).localeCompare(basename(b)));
}

/** Identity of a patch set, for cache keys. */
export function patchFilesKey(files: string[]): string[] {
  return files.map((p) => createHash('sha256').update(readFileSync(p)).digest('hex').slice(0, 16));
}

export const patchesKey = (dir: string) => patchFilesKey(listPatches(dir));

export async function applyPatchFiles(src: string, files: string[], logFile: string, patch: string = BUILD_TOOLS.patch): Promise<void> {
  for (const file of files) {
    await runCommand({ argv: [patch, '-p1', '--forward', '--batch', '-i', file], cwd: src }, { logFile });
  }
}

export const applyPatches = (src: string, dir: string, logFile: string) => applyPatchFiles(src, listPatches(dir), logFile);
