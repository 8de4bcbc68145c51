// Where a build ran must not show in what it produced: two machines with different caches and clones
// give the same bytes (the modules) and the same Nx hashes (the step outputs later tasks hash).
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface BuildPaths {
  /** The step's work folder (sources, build tree). */
  work?: string;
  /** The step cache (other steps' outputs, the toolchain). */
  cache?: string;
  /** The Nx workspace (upstream outputs under dist/). */
  workspace?: string;
}

/** The fixed names the paths get, most specific first (the work folder lies inside the cache). */
function namedPaths(paths: BuildPaths): [string, string][] {
  const named: [string | undefined, string][] = [[paths.work, '/wasi-pystack/work'], [paths.cache, '/wasi-pystack/cache'], [paths.workspace, '/wasi-pystack/workspace']];
  // Absolute, as the compiler and the build tools see them ('.' as a workspace is the current folder).
  return named.filter((n): n is [string, string] => !!n[0]).map(([p, name]): [string, string] => [resolve(p), name]).filter(([p]) => p !== '/');
}

/**
 * Compiler flags that keep the build's paths out of what it produces (__FILE__ in asserts, debug
 * info): the step's work folder, the cache and the workspace become fixed names.
 */
export function prefixMapFlags(paths: BuildPaths): string[] {
  // clang applies the last map that matches: the most specific (the work folder, inside the cache) goes last.
  return namedPaths(paths).reverse().map(([p, name]) => `-ffile-prefix-map=${p}=${name}`);
}

/** The text with the build's paths replaced by the names prefixMapFlags gives them. */
export function mapBuildPaths(text: string, paths: BuildPaths): string {
  return namedPaths(paths).reduce((t, [p, name]) => t.split(p).join(name), text);
}

function* filesUnder(dir: string): Generator<string> {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat?.isDirectory()) yield* filesUnder(path);
    else if (stat?.isFile()) yield path;
  }
}

/**
 * Rewrites the text files of a step output that record build paths (sysconfig data, Makefiles,
 * *-config scripts, numpy's __config__.py) with the fixed names. Binary files are left alone: their
 * paths come from the compiler and prefixMapFlags maps them. Returns the files changed.
 */
export function relocateTextFiles(dir: string, paths: BuildPaths): string[] {
  const needles = namedPaths(paths).map(([p]) => Buffer.from(p));
  const changed: string[] = [];
  for (const file of filesUnder(dir)) {
    const bytes = readFileSync(file);
    if (!needles.some((n) => bytes.includes(n)) || bytes.includes(0)) continue;
    writeFileSync(file, mapBuildPaths(bytes.toString('utf8'), paths));
    changed.push(file);
  }
  return changed;
}

/**
 * SOURCE_DATE_EPOCH for a build from an unpacked source tree: its newest file time, as the tarball
 * recorded it. Read before patches touch the tree. clang then expands __DATE__ and __TIME__ (CPython
 * puts them in sys.version) to the source's date instead of the build's.
 */
export function sourceDateEpoch(srcDir: string): string {
  let newest = 0;
  for (const file of filesUnder(srcDir)) newest = Math.max(newest, statSync(file).mtimeMs);
  return String(Math.floor(newest / 1000));
}
