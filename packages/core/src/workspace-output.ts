import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { relocateTextFiles, type BuildPaths } from './build-paths';
import { cacheRoot } from './workspace-facts';
import { DONE_MARKER } from './step-cache';

/**
 * Copies a finished step (from the cache outside the clone) to its place in the workspace, where Nx
 * expects the target's outputs. Replaces what was there. What Nx hashes for later tasks is the same
 * on every machine: the step record keeps its identity (step and key) but not when or how long it
 * was built, and text files name the step's work folder, the cache and the workspace by fixed names.
 */
export function publishOutput(from: string, to: string, paths: BuildPaths = {}): void {
  rmSync(to, { recursive: true, force: true });
  mkdirSync(dirname(to), { recursive: true });
  cpSync(from, to, { recursive: true, verbatimSymlinks: true });
  const record = join(to, DONE_MARKER);
  if (existsSync(record)) {
    const { step, key } = JSON.parse(readFileSync(record, 'utf8'));
    writeFileSync(record, JSON.stringify({ step, key }, null, 2));
  }
  relocateTextFiles(to, { work: `${from}.work`, cache: cacheRoot(), ...paths });
}
