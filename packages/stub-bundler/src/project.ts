import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { WasiPystackError, findPinned, normalizePackageName, pinnedVersions, type SourceEntry, type SourceLock } from '@wasi-pystack/core';

/** A user project as the bundler sees it, read from its pyproject.toml. */
export interface PythonProject {
  dir: string;
  name: string;
  /** "module:function" that a reactor's process() calls (command modules need none). */
  entry?: { module: string; function: string };
  /** Folder holding the project's own modules. */
  sourceDir: string;
  /** [tool.wasi-pystack] preimport: modules a reactor imports at build time (into its snapshot). */
  preimport: string[];
  /**
   * [tool.wasi-pystack] warmup = "module:function": called once at build time, after the imports and
   * before the snapshot, with no files, directories or environment (fills lazy imports and caches).
   */
  warmup?: { module: string; function: string };
  /** [tool.wasi-pystack] keep-stdlib: default stdlib exclusions this project keeps. */
  keepStdlib: string[];
  /** [tool.wasi-pystack] exclude-stdlib: further top-level stdlib modules to leave out. */
  excludeStdlib: string[];
  /** [tool.wasi-pystack] optimize: Python's optimization level for the module (see OptimizationLevel). */
  optimize?: OptimizationLevel;
  /** Pinned pure-Python dependencies, resolved against the lock file. */
  dependencies: SourceEntry[];
  /**
   * Pinned dependencies with compiled code (numpy, pandas): the lock pins their sources and a build
   * step (numpy-wasi, pandas-wasi) compiles them; the bundle takes them from that step's output.
   */
  builtDependencies: SourceEntry[];
}

/**
 * Python's optimization level, as `python -O` / `-OO`: 0 keeps asserts and docstrings, 1 drops asserts,
 * 2 drops asserts and docstrings. The bundle is compiled at it and the interpreter runs at it: NumPy
 * and pandas accept docstring-less code only when sys.flags.optimize says so.
 */
export type OptimizationLevel = 0 | 1 | 2;

export function isOptimizationLevel(v: unknown): v is OptimizationLevel {
  return v === 0 || v === 1 || v === 2;
}

const PIN = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([A-Za-z0-9.+!-]+)$/;

function fail(file: string, problem: string, fix: string): never {
  throw new WasiPystackError(`${file}: ${problem}`, fix);
}

export function readProject(dir: string, lock: SourceLock): PythonProject {
  const file = join(dir, 'pyproject.toml');
  if (!existsSync(file)) fail(file, 'file not found', 'create a pyproject.toml with [project] name and [tool.wasi-pystack] entry');
  let doc: Record<string, any>;
  try {
    doc = parseToml(readFileSync(file, 'utf8')) as Record<string, any>;
  } catch (e) {
    const message = (e as Error).message.split('\n')[0];
    fail(file, `invalid TOML: ${message}`, 'correct the TOML syntax at the position given');
  }
  const name = doc.project?.name;
  if (typeof name !== 'string' || !name) fail(file, '[project] name is missing', 'add name = "<project>" under [project]');
  const tool = doc.tool?.['wasi-pystack'] ?? {};
  const entrySpec = tool.entry;
  if (entrySpec !== undefined && (typeof entrySpec !== 'string' || !/^[\w.]+(:\w+)?$/.test(entrySpec))) {
    fail(file, '[tool.wasi-pystack] entry is not "module:function"', 'write entry = "<module>:main" under [tool.wasi-pystack]');
  }
  const entry = entrySpec === undefined ? undefined : { module: entrySpec.split(':')[0], function: entrySpec.split(':')[1] ?? 'main' };
  const sourceDir = join(dir, typeof tool.source === 'string' ? tool.source : existsSync(join(dir, 'src')) ? 'src' : '.');
  if (!existsSync(sourceDir)) fail(file, `[tool.wasi-pystack] source folder ${sourceDir} does not exist`, 'point source at the folder that holds your package');
  const preimport = tool.preimport ?? [];
  if (!Array.isArray(preimport) || !preimport.every((m: unknown) => typeof m === 'string' && /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/.test(m))) {
    fail(file, '[tool.wasi-pystack] preimport must be a list of module names', 'write preimport = ["package.module", ...] under [tool.wasi-pystack]');
  }
  const warmupSpec = tool.warmup;
  if (warmupSpec !== undefined && (typeof warmupSpec !== 'string' || !/^[\w.]+:\w+$/.test(warmupSpec))) {
    fail(file, '[tool.wasi-pystack] warmup is not "module:function"', 'write warmup = "<module>:<function>" under [tool.wasi-pystack]');
  }
  const warmup = warmupSpec === undefined ? undefined : { module: warmupSpec.split(':')[0], function: warmupSpec.split(':')[1] };
  const moduleList = (key: string): string[] => {
    const v = tool[key] ?? [];
    if (!Array.isArray(v) || !v.every((m: unknown) => typeof m === 'string' && /^[A-Za-z_]\w*$/.test(m))) {
      fail(file, `[tool.wasi-pystack] ${key} must be a list of top-level module names`, `write ${key} = ["name", ...] under [tool.wasi-pystack]`);
    }
    return v;
  };
  const optimize = tool.optimize;
  if (optimize !== undefined && !isOptimizationLevel(optimize)) {
    fail(file, `[tool.wasi-pystack] optimize is ${JSON.stringify(optimize)}, not 0, 1 or 2`, 'write optimize = 2 under [tool.wasi-pystack] to drop asserts and docstrings (python -OO), 1 to drop asserts only, or leave it out');
  }
  const keepStdlib = moduleList('keep-stdlib');
  const excludeStdlib = moduleList('exclude-stdlib');
  const deps = doc.project?.dependencies ?? [];
  if (!Array.isArray(deps)) fail(file, '[project] dependencies must be a list', 'write dependencies = ["name==version", ...]');
  const dependencies: SourceEntry[] = [];
  const builtDependencies: SourceEntry[] = [];
  for (const spec of deps as unknown[]) {
    const m = typeof spec === 'string' ? PIN.exec(spec.trim()) : null;
    if (!m) fail(file, `dependency ${JSON.stringify(spec)} is not pinned as "name==version"`, 'pin every dependency exactly; the bundle is built from the lock file');
    const key = normalizePackageName(m[1]);
    const entry = findPinned(lock, key, m[2]);
    if (!entry) {
      const pinned = pinnedVersions(lock, key);
      // The lock command pins a pure package and what it requires (nx-plugin's lock target and wasi-pystack-lock).
      const lockCommand = `pin it with the lock command: npx nx run ${typeof doc.project?.name === 'string' ? doc.project.name : '<project>'}:lock (or npx wasi-pystack-lock in the project's folder)`;
      const fix = pinned.length ? `depend on ${pinned.map((v) => `${key}==${v}`).join(' or ')}, or ${lockCommand}` : lockCommand;
      fail(file, `dependency ${m[1]}==${m[2]} is not pinned in ${lock.path}${pinned.length ? ` (the lock pins ${key} ${pinned.join(', ')})` : ''}`, fix);
    }
    (entry.file.endsWith('.whl') ? dependencies : builtDependencies).push(entry);
  }
  return { dir, name, entry, sourceDir, preimport, warmup, keepStdlib, excludeStdlib, ...(optimize ? { optimize } : {}), dependencies, builtDependencies };
}
