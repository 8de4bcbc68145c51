import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WasiPystackError } from './errors';
import { parseJsonFile } from './recipe-formats/validate';

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
  /**
   * The package it is, when the key is not its name: "numpy-2.5" pins another numpy than "numpy".
   * Pins in pyproject.toml are matched by package and version (findPinned).
   */
  package?: string;
  /** Lock keys this source needs at run time (pandas: python-dateutil, pytz, tzdata; dateutil: six). */
  requires?: string[];
}

export interface SourceLock {
  path: string;
  sources: Record<string, SourceEntry>;
}

const ENTRY_KEYS = new Set(['package', 'version', 'file', 'sha256', 'mirrors', 'note', 'requires']);
const TOP_KEYS = new Set(['$comment', 'lockVersion', 'sources']);

export const lockPath = (workspaceRoot: string) => join(workspaceRoot, 'deps', 'sources.lock.json');

/**
 * The lock this package was published with (a copy of the workspace's deps/sources.lock.json, placed
 * beside the built JavaScript by tools/build-packages.mjs). A workspace without its own
 * deps/sources.lock.json builds from it, so installed packages pin exactly what this repository pins.
 */
export const BUNDLED_LOCK = join(__dirname, 'sources.lock.json');

/** Parses and validates a lock file; every problem names its key path. */
export function parseLock(text: string, path: string): SourceLock {
  const data = parseJsonFile(text, path);
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
    if (entry.package !== undefined && (typeof entry.package !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(entry.package))) problems.push(`sources/${name}/package: must be a normalized package name`);
    const requires = entry.requires;
    if (requires !== undefined) {
      if (!Array.isArray(requires) || !requires.every((r) => typeof r === 'string')) problems.push(`sources/${name}/requires: must be a list of lock keys`);
      else for (const r of requires) if (!(r in raw)) problems.push(`sources/${name}/requires: '${r}' is not a key under sources`);
    }
    sources[name] = { name, ...(entry as Omit<SourceEntry, 'name'>) };
  }
  if (problems.length) {
    throw new WasiPystackError(`${path} has ${problems.length} problem(s)`, 'correct the keys named above', problems);
  }
  return { path, sources };
}

/** The workspace's deps/sources.lock.json, or the lock shipped with this package when it has none. */
export function readLock(workspaceRoot: string): SourceLock {
  const path = existsSync(lockPath(workspaceRoot)) ? lockPath(workspaceRoot) : BUNDLED_LOCK;
  if (!existsSync(path)) {
    throw new WasiPystackError(`no lock file: neither ${lockPath(workspaceRoot)} nor ${BUNDLED_LOCK} exists`, 'run from a workspace with deps/sources.lock.json, or build the packages (node tools/build-packages.mjs) so core ships its lock');
  }
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

/**
 * The given lock keys and everything they require at run time, transitively, each once, in a stable
 * order (a key before what it requires).
 */
export function requiredClosure(lock: SourceLock, names: string[]): string[] {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const r of getSource(lock, name).requires ?? []) visit(r);
  };
  for (const name of names) visit(name);
  return [...seen];
}

/** PEP 503 normalized name, the form lock keys use: "Python_Dateutil" -> "python-dateutil". */
export const normalizePackageName = (name: string) => name.toLowerCase().replace(/[._-]+/g, '-');

/** The package a lock entry pins: its `package`, else its key. */
export const packageOf = (entry: SourceEntry) => entry.package ?? entry.name;

/** The lock entry pinning this package (any spelling) at this version, if any. */
export function findPinned(lock: SourceLock, name: string, version: string): SourceEntry | undefined {
  const wanted = normalizePackageName(name);
  return Object.values(lock.sources).find((e) => packageOf(e) === wanted && e.version === version);
}

/** Every version of a package the lock pins. */
export const pinnedVersions = (lock: SourceLock, name: string) => Object.values(lock.sources).filter((e) => packageOf(e) === normalizePackageName(name)).map((e) => e.version);
