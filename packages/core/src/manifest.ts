import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { WasiPystackError } from './errors';
import { cacheRoot } from './workspace-facts';

export const MANIFEST_FILE = 'wasi-manifest.json';

/** A C extension module compiled into the module: its import name and init function. */
export interface BuiltinModule {
  /** Dotted import name, e.g. "numpy._core._multiarray_umath". */
  name: string;
  /** The PyInit_ function that creates it. */
  initSymbol: string;
}

export interface PythonRoot {
  path: string;
  /** Paths relative to the root to leave out; 'name/**' leaves out every folder of that name. */
  exclude?: string[];
  /**
   * For the stdlib: top-level modules left out on purpose, with the reason an import of one reports.
   * A project may keep them ([tool.wasi-pystack] keep-stdlib) or leave out more (exclude-stdlib).
   */
  leftOut?: Record<string, string>;
}

/**
 * What a build step hands to the bundler and the linker. Paths are relative to the manifest's folder.
 * The linker knows nothing about CPython, NumPy or pandas beyond what manifests say.
 */
export interface BuildManifest {
  format: 'wasi-pystack-manifest/1';
  /** Name of the step output, e.g. "cpython". */
  name: string;
  version: string;
  /** Static libraries in link order. */
  libraries: string[];
  /** Further linker arguments (-l flags of the sysroot). */
  linkArgs: string[];
  /** Modules registered in the inittab by the linker's glue. CPython's own live in libpython already. */
  modules: BuiltinModule[];
  /** Folders whose files go into the bundle, each mapped onto the bundle's top level. */
  pythonRoots: PythonRoot[];
  /** Header folders for code compiled against this output. */
  includeDirs: string[];
  /** Step-specific facts (for cpython: version, abiflags, build-python, sysconfig data ...). */
  facts: Record<string, string>;
  /** What the step's code holds ('c++': C++ code; the linker links core's C++ runtime, whose archives give only what is used). */
  needs?: 'c++'[];
  /** How symbol collisions between extension modules were resolved (see core/src/cross/collisions.ts). */
  collisions?: { dropped: Record<string, string[]>; renamed: Record<string, string[]>; borrowed?: Record<string, Record<string, string>> };
}

export function writeManifest(dir: string, manifest: Omit<BuildManifest, 'format'>): string {
  const path = join(dir, MANIFEST_FILE);
  writeFileSync(path, JSON.stringify({ format: 'wasi-pystack-manifest/1', ...manifest }, null, 2) + '\n');
  return path;
}

/** Reads a manifest and makes its paths absolute. */
export function readManifest(dirOrFile: string): BuildManifest & { dir: string } {
  const path = dirOrFile.endsWith('.json') ? dirOrFile : join(dirOrFile, MANIFEST_FILE);
  if (!existsSync(path)) {
    throw new WasiPystackError(`no build manifest at ${path}`, 'build the step that produces it first (for example: npx nx run python-wasi:compile)');
  }
  const raw = JSON.parse(readFileSync(path, 'utf8')) as BuildManifest;
  if (raw.format !== 'wasi-pystack-manifest/1') {
    throw new WasiPystackError(`${path} has format '${raw.format}', expected 'wasi-pystack-manifest/1'`, 'rebuild the step with this version of the toolchain');
  }
  const dir = resolve(path, '..');
  const abs = (p: string) => (isAbsolute(p) ? p : join(dir, p));
  return {
    ...raw,
    dir,
    libraries: raw.libraries.map(abs),
    pythonRoots: raw.pythonRoots.map((r) => ({ ...r, path: abs(r.path) })),
    includeDirs: raw.includeDirs.map(abs),
  };
}

/**
 * The native build Python a python-wasi manifest names (by its place in the step cache); later steps
 * run their tools with it. Throws when this machine's cache lacks it: ensureManifestBuildPython
 * (build-python.ts) rebuilds it instead.
 */
export function requireBuildPython(manifest: BuildManifest & { dir: string }): string {
  const fact = manifest.facts.buildPython;
  const buildPython = fact && (isAbsolute(fact) ? fact : join(cacheRoot(), fact));
  if (!buildPython || !existsSync(buildPython)) {
    throw new WasiPystackError(`${manifest.dir} names no usable build Python (${buildPython})`, 'rebuild python-wasi: npx nx run python-wasi:compile --skip-nx-cache');
  }
  return buildPython;
}
