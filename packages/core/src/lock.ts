import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WasiPystackError } from './errors';

/** One pinned upstream source. */
export interface SourceEntry {
  /** Key in the lock file, e.g. "cpython". */
  name: string;
  version: string;
  /** File name in the cache. */
  file: string;
  sha256: string;
  /** '<registry>:<path>' in the order they are tried. */
  mirrors: string[];
  note?: string;
}

export interface SourceLock {
  path: string;
  sources: Record<string, SourceEntry>;
}

const ENTRY_KEYS = new Set(['version', 'file', 'sha256', 'mirrors', 'note']);
const TOP_KEYS = new Set(['$comment', 'lockVersion', 'sources']);

export const lockPath = (workspaceRoot: string) => join(workspaceRoot, 'deps', 'sources.lock.json');

/** Parses and validates a lock file; every problem names its key path. */
export function parseLock(text: string, path: string): SourceLock {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new WasiPystackError(`${path} is not valid JSON: ${(e as Error).message}`, 'fix the JSON syntax');
  }
  const problems: string[] = [];
  const obj = data as Record<string, unknown>;
  for (const key of Object.keys(obj ?? {})) if (!TOP_KEYS.has(key)) problems.push(`${key}: unknown key`);
  if (obj?.lockVersion !== 1) problems.push('lockVersion: must be 1');
  const sources: Record<string, SourceEntry> = {};
  const raw = (obj?.sources ?? {}) as Record<string, Record<string, unknown>>;
  for (const [name, entry] of Object.entries(raw)) {
    for (const key of Object.keys(entry)) if (!ENTRY_KEYS.has(key)) problems.push(`sources/${name}/${key}: unknown key`);
    if (typeof entry.version !== 'string' || !entry.version) problems.push(`sources/${name}/version: missing`);
    if (typeof entry.file !== 'string' || !/^[\w.+~-]+$/.test(entry.file)) problems.push(`sources/${name}/file: missing or not a plain file name`);
    if (typeof entry.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(entry.sha256)) problems.push(`sources/${name}/sha256: must be 64 lowercase hex digits`);
    const mirrors = entry.mirrors;
    if (!Array.isArray(mirrors) || mirrors.length === 0 || !mirrors.every((m) => typeof m === 'string' && /^[a-z][\w+.-]*:/.test(m))) {
      problems.push(`sources/${name}/mirrors: must be a non-empty list of '<registry>:<path>' or URLs`);
    }
    sources[name] = { name, ...(entry as Omit<SourceEntry, 'name'>) };
  }
  if (problems.length) {
    throw new WasiPystackError(`${path} has ${problems.length} problem(s)`, 'correct the keys named above', problems);
  }
  return { path, sources };
}

export function readLock(workspaceRoot: string): SourceLock {
  const path = lockPath(workspaceRoot);
  return parseLock(readFileSync(path, 'utf8'), path);
}

export function getSource(lock: SourceLock, name: string): SourceEntry {
  const entry = lock.sources[name];
  if (!entry) {
    throw new WasiPystackError(
      `source '${name}' is not pinned in ${lock.path}`,
      `add a "${name}" entry with version, file, sha256 and mirrors to ${lock.path}`,
    );
  }
  return entry;
}
