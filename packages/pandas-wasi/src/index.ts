import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import {
  WasiPystackError,
  applyPatches,
  assertOnlyTargetPythonHeaders,
  buildStaticExtensions,
  cachedStep,
  extractTarball,
  fetchSource,
  getSource,
  log,
  prepareMesonCross,
  patchesKey,
  publishOutput,
  readLock,
  readManifest,
  resolveToolchain,
  runAll,
  runCommand,
  requireBuildPython,
  stepOutputIdentity,
  timed,
  writeManifest,
  installPythonFiles,
  auditStepFunctionCasts,
  castAuditKey,
  FUNCTION_CAST_WARNING_FLAGS,
} from '@wasi-pystack/core';
import { patchCythonFile, uniqueInitSymbol } from '@wasi-pystack/cython-patcher';

/** Bump when the recipe changes in a way the cache key would not otherwise see. */
export const RECIPE_VERSION = 2;
export const PATCHES_DIR = join(__dirname, '..', 'patches');
/** Reviewed function-pointer casts that differ on wasm but are never called through (see core's function-casts). */
export const FUNCTION_CASTS_ALLOW = join(PATCHES_DIR, 'function-casts.allow');
/** Pure-Python packages pandas needs at run time, bundled from pinned wheels. */
export const RUNTIME_DEPENDENCIES = ['python-dateutil', 'six', 'pytz', 'tzdata'];

export interface PandasWasiOptions {
  workspaceRoot: string;
  pythonWasi: string;
  numpyWasi: string;
  outDir: string;
  jobs?: number;
  /**
   * Only for experiments that reproduce other builds (docs/stack-root-cause.md): extra arguments for
   * every compile, and keeping symbols that NumPy's archives define too (no renames).
   */
  experiment?: { compileArgs?: string[]; keepDuplicateSymbols?: boolean };
}

/** Cython's generated sources in a meson build dir (<target>.p/<path>.pyx.c|cpp) with their module names. */
function generatedCythonSources(ninja: string, buildDir: string): { file: string; module: string }[] {
  const targets = execFileSync(ninja, ['-t', 'targets', 'all'], { cwd: buildDir, encoding: 'utf8', maxBuffer: 1 << 28 });
  return targets
    .split('\n')
    .map((l) => l.split(':')[0])
    .filter((t) => /\.pyx\.(c|cpp)$/.test(t))
    .map((file) => ({ file, module: file.split('.p/').pop()!.replace(/\.pyx\.(c|cpp)$/, '').split('/').join('.') }));
}

/** Builds pandas' extension modules as static archives and its Python package; see README.md. */
export async function buildPandasWasi(options: PandasWasiOptions): Promise<{ outDir: string; version: string }> {
  const jobs = options.jobs ?? availableParallelism();
  const lock = readLock(options.workspaceRoot);
  const toolchain = await resolveToolchain(lock);
  const python = readManifest(options.pythonWasi);
  const numpy = readManifest(options.numpyWasi);
  const buildPython = requireBuildPython(python);
  const pandas = getSource(lock, 'pandas');
  // Build-machine tools of pandas' build (pyproject build-system requirements), from pinned wheels.
  const tools = ['cython', 'meson', 'versioneer'].map((n) => getSource(lock, n));
  const key = {
    v: RECIPE_VERSION,
    pandas: pandas.sha256,
    tools: tools.map((t) => t.sha256),
    toolchain: toolchain.fingerprint,
    python: stepOutputIdentity(options.pythonWasi),
    numpy: stepOutputIdentity(options.numpyWasi),
    patches: patchesKey(PATCHES_DIR),
    casts: castAuditKey(FUNCTION_CASTS_ALLOW),
    ...(options.experiment ? { experiment: options.experiment } : {}),
  };
  const step = await cachedStep({ step: 'pandas-wasm32-wasip1', key }, async (out, work, logFile) => {
    const src = extractTarball(await fetchSource(pandas), join(work, 'src'));
    await applyPatches(src, PATCHES_DIR, logFile);
    // Cython finds `cimport numpy` (numpy/__init__.pxd) on its Python path: the target NumPy's package.
    const { crossFile, env, venv } = await prepareMesonCross({
      work, python, buildPython, toolchain, logFile,
      toolWheels: await Promise.all(tools.map((t) => fetchSource(t))),
      properties: { 'numpy-include-dir': numpy.includeDirs[0] },
      pythonPath: join(numpy.dir, 'site-packages'),
      compileArgs: [...FUNCTION_CAST_WARNING_FLAGS, ...(options.experiment?.compileArgs ?? [])],
    });
    const build = join(work, 'build');
    const meson = [join(venv, 'bin', 'meson')];
    await timed('pandas meson setup (wasm32-wasip1)', () =>
      runAll([{ argv: [...meson, 'setup', '--cross-file', crossFile, '--buildtype=release', '-Db_ndebug=if-release', '--prefix=/usr/local', build, src], cwd: work, env }], { logFile }),
    );
    assertOnlyTargetPythonHeaders(join(build, 'build.ninja'), python.dir);
    // Cython first, then the cython-patcher on its output, then the C compiler (static-extensions).
    const generated = generatedCythonSources('ninja', build);
    const targets = generated.map((g) => g.file);
    await timed(`Cython on ${generated.length} pandas modules`, async () => {
      // Cython's depfiles reveal inputs (.pxd, generated .pxi) only after a first run; run until ninja
      // has nothing left to regenerate, so no later build step re-runs Cython over patched files.
      for (let round = 0; round < 4; round++) {
        await runCommand({ argv: ['ninja', `-j${jobs}`, ...targets], cwd: build, env }, { logFile });
        const pending = execFileSync('ninja', ['-n', ...targets], { cwd: build, env: { ...process.env, ...env }, encoding: 'utf8' });
        if (!/Compiling Cython/.test(pending)) return;
      }
      throw new WasiPystackError('Cython keeps regenerating pandas sources', `see ${logFile}`);
    });
    for (const g of generated) patchCythonFile(join(build, g.file), g.module);
    const cythonModules = new Set(generated.map((g) => g.module));
    const extensions = await timed('pandas extension modules', () =>
      buildStaticExtensions({
        buildDir: build, meson, ninja: 'ninja', ar: toolchain.ar, nm: toolchain.nm, env, logFile, log, outDir: out,
        include: () => true,
        initSymbolFor: (m) => (cythonModules.has(m.name) ? uniqueInitSymbol(m.name) : m.initSymbol),
        externalArchives: [...python.libraries, ...numpy.libraries],
        keepDuplicateSymbols: options.experiment?.keepDuplicateSymbols,
      }),
    );
    auditStepFunctionCasts({ logFile, outDir: out, paths: { buildDir: build, sourceRoots: [src, build] }, allowList: FUNCTION_CASTS_ALLOW, what: `pandas ${pandas.version}` });
    installPythonFiles(build, meson, join(out, 'site-packages'), env);
    writeManifest(out, {
      name: 'pandas',
      version: pandas.version,
      libraries: extensions.libraries,
      linkArgs: extensions.linkArgs,
      modules: extensions.modules,
      needs: ['c++'],
      pythonRoots: [{ path: 'site-packages', exclude: ['pandas/tests', 'pandas/conftest.py'] }],
      includeDirs: [],
      facts: { pandasVersion: pandas.version, runtimeDependencies: RUNTIME_DEPENDENCIES.join(',') },
      collisions: { dropped: extensions.dropped, renamed: extensions.renamed },
    });
  });
  publishOutput(step.outDir, options.outDir);
  log(`pandas ${pandas.version} for wasm32-wasip1 -> ${options.outDir}`);
  return { outDir: options.outDir, version: pandas.version };
}
