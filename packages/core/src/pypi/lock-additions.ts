import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { WasiPystackError } from '../errors';
import { parseLock } from '../lock';
import type { LockAddition } from './resolve-pins';

/**
 * Adds entries to a lock file, keeping every entry it has and its layout (two-space JSON), written
 * whole or not at all (a temporary file renamed over it). The result is parsed as the lock reader
 * parses it before it replaces the file, so a bad addition never leaves a broken lock behind.
 */
export function addToLock(path: string, additions: LockAddition[]): void {
  if (!additions.length) return;
  const data = JSON.parse(readFileSync(path, 'utf8')) as { sources: Record<string, unknown> };
  for (const { key, entry } of additions) {
    if (key in data.sources) throw new WasiPystackError(`${path} already has an entry '${key}'`, 'remove it, or leave it as it is');
    data.sources[key] = entry;
  }
  const text = `${JSON.stringify(data, null, 2)}\n`;
  parseLock(text, path);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}
