import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative } from 'node:path';
import {
  buildStaticExtensions,
  cachedStep,
  extractTarball,
  fetchSource,
  getSource,
  log,
  prepareMesonCross,
  publishOutput,
  readLock,
  readManifest,
  resolveToolchain,
  runAll,
  requireBuildPython,
  stepOutputIdentity,
  timed,
  writeManifest,
  installPythonFiles,
  assertOnlyTargetPythonHeaders,
  applyPatches,
  patchesKey,
  auditStepFunctionCasts,
  castAuditKey,
  FUNCTION_CAST_WARNING_FLAGS,
} from '@wasi-pystack/core';

/** Bump when the recipe changes in a way the cache key would not otherwise see. */
export const RECIPE_VERSION = 8;

/** Patches to NumPy's source, each with its reason (packages/numpy-wasi/patches). */
export const PATCHES_DIR = join(__dirname, '..', 'patches');
/** Reviewed function-pointer casts that differ on wasm but are never called through (see core's function-casts). */
export const FUNCTION_CASTS_ALLOW = join(PATCHES_DIR, 'function-casts.allow');

/** Extension modules that exist only for NumPy's own tests; built into a separate manifest. */
export const TEST_HELPER_MODULES = [
  'numpy._core._multiarray_tests',
  'numpy._core._operand_flag_tests',
  'numpy._core._rational_tests',
  'numpy._core._struct_ufunc_tests',
  'numpy._core._umath_tests',
  'numpy._core._simd',
];

/**
 * NumPy's meson options for wasm32-wasip1: no BLAS/LAPACK (lapack_lite is used), no SIMD dispatch
 * (wasm32 has no runtime CPU dispatch), and IEEE quad long double (wasm32's `long double`).
 */
export const NUMPY_MESON_OPTIONS = ['-Dallow-noblas=true', '-Dblas=none', '-Dlapack=none', '-Dcpu-baseline=none', '-Dcpu-dispatch=none', '-Ddisable-threading=true'];

/**
 * wasi-libc leaves long double out of printf/scanf unless this library is linked; without it the link
 * succeeds and `import numpy` aborts while parsing a long double.
 */
export const NUMPY_LINK_ARGS = ['-lc-printscan-long-double'];
export const LONGDOUBLE_FORMAT = 'IEEE_QUAD_LE';

export interface NumpyWasiOptions {
  workspaceRoot: string;
  /** The python-wasi output folder (with wasi-manifest.json). */
  pythonWasi: string;
  /** Where the output is copied (the Nx target's output). */
  outDir: string;
  jobs?: number;
}

/** Moves every `tests` folder of the package into a parallel tree (bundled only into test modules). */
export function moveTestFolders(from: string, to: string): void {
  const found = execFileSync('find', [from, '-type', 'd', '-name', 'tests', '-prune'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  for (const dir of found) {
    const dest = join(to, relative(from, dir));
    mkdirSync(dirname(dest), { recursive: true });
    renameSync(dir, dest);
  }
}

/** Builds NumPy's extension modules as static archives and its Python package; see README.md. */
export async function buildNumpyWasi(options: NumpyWasiOptions): Promise<{ outDir: string; version: string }> {
  const jobs = options.jobs ?? availableParallelism();
  const lock = readLock(options.workspaceRoot);
  const toolchain = await resolveToolchain(lock);
  const python = readManifest(options.pythonWasi);
  const buildPython = requireBuildPython(python);
  const numpy = getSource(lock, 'numpy');
  const cython = getSource(lock, 'cython');
  const key = {
    v: RECIPE_VERSION,
    numpy: numpy.sha256,
    cython: cython.sha256,
    toolchain: toolchain.fingerprint,
    python: stepOutputIdentity(options.pythonWasi),
    options: NUMPY_MESON_OPTIONS,
    patches: patchesKey(PATCHES_DIR),
    casts: castAuditKey(FUNCTION_CASTS_ALLOW),
  };
  const step = await cachedStep({ step: 'numpy-wasm32-wasip1', key }, async (out, work, logFile) => {
    const src = extractTarball(await fetchSource(numpy), join(work, 'src'));
    await applyPatches(src, PATCHES_DIR, logFile);
    const build = join(work, 'build');
    // Build tools run on the build machine: Cython (pinned wheel) in a venv of the build Python.
    const { crossFile, env } = await prepareMesonCross({
      work, python, buildPython, toolchain, logFile,
      toolWheels: [await fetchSource(cython)],
      properties: { longdouble_format: LONGDOUBLE_FORMAT },
      compileArgs: FUNCTION_CAST_WARNING_FLAGS,
    });
    const meson = [buildPython, join(src, 'vendored-meson', 'meson', 'meson.py')];
    await timed('NumPy meson setup (wasm32-wasip1)', () =>
      runAll([{ argv: [...meson, 'setup', '--cross-file', crossFile, '--buildtype=release', '-Db_ndebug=if-release', '--prefix=/usr/local', ...NUMPY_MESON_OPTIONS, build, src], cwd: work, env }], { logFile }),
    );
    assertOnlyTargetPythonHeaders(join(build, 'build.ninja'), python.dir);
    const extensions = { buildDir: build, meson, ninja: 'ninja', ar: toolchain.ar, nm: toolchain.nm, env, logFile, log };
    const runtime = await timed('NumPy extension modules', () => buildStaticExtensions({ ...extensions, outDir: out, include: (m) => !TEST_HELPER_MODULES.includes(m) }));
    const tests = await buildStaticExtensions({ ...extensions, outDir: join(out, 'test-helpers'), include: (m) => TEST_HELPER_MODULES.includes(m) });
    // Every function-pointer cast and method-table entry that would trap on wasm fails the step here.
    auditStepFunctionCasts({ logFile, outDir: out, paths: { buildDir: build, sourceRoots: [src, build] }, allowList: FUNCTION_CASTS_ALLOW, what: `NumPy ${numpy.version}` });
    // The Python package with the files meson generates (__config__.py, ...), its tests, and its C
    // headers (with the target's _numpyconfig.h, for packages built against NumPy).
    installPythonFiles(build, meson, join(out, 'site-packages'), env);
    moveTestFolders(join(out, 'site-packages'), join(out, 'test-helpers', 'site-packages'));
    const common = { version: numpy.version, includeDirs: ['site-packages/numpy/_core/include'], facts: { numpyVersion: numpy.version } };
    writeManifest(out, {
      name: 'numpy',
      ...common,
      libraries: runtime.libraries,
      linkArgs: [...runtime.linkArgs, ...NUMPY_LINK_ARGS],
      modules: runtime.modules,
      needs: ['c++'],
      pythonRoots: [{ path: 'site-packages', exclude: ['numpy/_pyinstaller', 'numpy/_core/include', 'numpy/_core/lib'] }],
      collisions: { dropped: runtime.dropped, renamed: runtime.renamed },
    });
    writeManifest(join(out, 'test-helpers'), { name: 'numpy-test-helpers', ...common, includeDirs: [], libraries: tests.libraries, linkArgs: tests.linkArgs, modules: tests.modules, needs: ['c++'], pythonRoots: [{ path: 'site-packages' }] });
  });
  publishOutput(step.outDir, options.outDir);
  log(`NumPy ${numpy.version} for wasm32-wasip1 -> ${options.outDir}`);
  return { outDir: options.outDir, version: numpy.version };
}
