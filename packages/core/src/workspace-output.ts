import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Copies a finished step (from the cache outside the clone) to its place in the workspace, where Nx
 * expects the target's outputs. Replaces what was there.
 */
export function publishOutput(from: string, to: string): void {
  rmSync(to, { recursive: true, force: true });
  mkdirSync(dirname(to), { recursive: true });
  cpSync(from, to, { recursive: true, verbatimSymlinks: true });
}
