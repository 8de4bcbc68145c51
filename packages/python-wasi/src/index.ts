import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative } from 'node:path';
import {
  buildLibraryPrefix,
  buildPythonFact,
  cachedStep,
  cacheRoot,
  ensureBuildPython,
  prefixMapFlags,
  sourceDateEpoch,
  stepOutputIdentity,
  extractTarball,
  fetchSource,
  getSource,
  log,
  publishOutput,
  readLock,
  resolveToolchain,
  runAll,
  timed,
  writeManifest,
  type SourceLock,
  type Toolchain,
  auditStepFunctionCasts,
  castAuditKey,
  applyPatches,
  patchesKey,
  readLibraryRecipes,
  queryCommand,
  queryCommandBytes,
  BUILD_TOOLS,
} from '@wasi-pystack/core';
import { HOST_CONFIGURE_CACHE, HOST_LINK_ARGS, SETUP_LOCAL, STDLIB_EXCLUDES, STDLIB_LEFT_OUT_REASONS, planHostPython } from './cpython';

export { HOST_CONFIGURE_CACHE, HOST_LINK_ARGS, SETUP_LOCAL, STDLIB_EXCLUDES, STDLIB_LEFT_OUT_REASONS, planBuildPython, planHostPython } from './cpython';

/** The C libraries behind stdlib modules, as data (core's library recipes format). */
export const LIBRARY_RECIPES_FILE = join(__dirname, '..', 'recipes', 'libraries.json');

/** Bump a phase's version when its recipe changes in a way the cache key would not otherwise see. */
export const RECIPE_VERSIONS = { libraries: 3, host: 5 };
/** Patches to CPython's source, each with its reason (packages/python-wasi/patches). */
export const PATCHES_DIR = join(__dirname, '..', 'patches');
/** Reviewed function-pointer casts in CPython that differ on wasm but are never called through. */
export const FUNCTION_CASTS_ALLOW = join(PATCHES_DIR, 'function-casts.allow');

export interface PythonWasiOptions {
  workspaceRoot: string;
  /** Where the finished output is copied (the Nx target's output). */
  outDir: string;
  jobs?: number;
}

export interface PythonWasiResult {
  outDir: string;
  /** Native build Python, used by later steps (bundling, cross-compiling extensions). */
  buildPython: string;
  version: string;
}

const sourceKey = (lock: SourceLock, names: string[]) => names.map((n) => `${n}@${getSource(lock, n).sha256}`);

/** The build machine's triple, from CPython's own config.guess (read straight out of the tarball). */
function configGuess(cpythonTarball: string): string {
  const script = queryCommandBytes({ argv: [BUILD_TOOLS.tar, '-xOf', cpythonTarball, '--wildcards', '*/config.guess'], cwd: dirname(cpythonTarball) });
  // Run with a clean environment: with CC pointing at the cross compiler it answers x86_64-pc-linux-gnux32.
  return queryCommand({ argv: ['sh', '-s'], cwd: dirname(cpythonTarball) }, { input: script, cleanEnv: true }).trim();
}

/** Step 1: the wasm32 C libraries behind zlib, _bz2, _lzma, _decimal and _sqlite3, in one prefix. */
async function buildLibraries(lock: SourceLock, toolchain: Toolchain, build: string, jobs: number) {
  return buildLibraryPrefix({ step: 'wasm32-libraries', recipes: readLibraryRecipes(LIBRARY_RECIPES_FILE), version: RECIPE_VERSIONS.libraries, lock, toolchain, jobs, build });
}

/** Step 3: the wasm32-wasip1 host Python, collected into an output with a manifest. */
async function buildHostPython(lock: SourceLock, toolchain: Toolchain, build: string, buildPython: string, libPrefix: string, jobs: number) {
  // The libraries by what went into them, never by where the cache is (keys are the same on every machine).
  const key = { v: RECIPE_VERSIONS.host, libraries: stepOutputIdentity(libPrefix), sources: sourceKey(lock, ['cpython', ...readLibraryRecipes(LIBRARY_RECIPES_FILE).libraries.map((l) => l.source)]), toolchain: toolchain.fingerprint, cache: HOST_CONFIGURE_CACHE, casts: castAuditKey(FUNCTION_CASTS_ALLOW), patches: patchesKey(PATCHES_DIR), setupLocal: SETUP_LOCAL };
  return cachedStep({ step: 'cpython-wasm32-wasip1', key }, async (out, work, logFile) => {
    const cpython = getSource(lock, 'cpython');
    const src = extractTarball(await fetchSource(cpython), join(work, 'src'));
    const epoch = sourceDateEpoch(src);
    await applyPatches(src, PATCHES_DIR, logFile);
    const buildDir = join(work, 'build');
    const destDir = join(work, 'dest');
    // Modules configure leaves out on WASI but that work there (configure keeps an existing file).
    mkdirSync(join(buildDir, 'Modules'), { recursive: true });
    writeFileSync(join(buildDir, 'Modules', 'Setup.local'), SETUP_LOCAL);
    await timed('CPython host (wasm32-wasip1)', () =>
      runAll(planHostPython({ src, buildDir, destDir, buildPython, libPrefix, toolchain, build, jobs, prefixMap: prefixMapFlags({ work, cache: cacheRoot() }), sourceDateEpoch: epoch }), { logFile }),
    );
    auditStepFunctionCasts({
      logFile, outDir: out, paths: { buildDir, sourceRoots: [src, buildDir] }, allowList: FUNCTION_CASTS_ALLOW, what: `CPython ${cpython.version}`,
      // The interpreter and its modules (not PC/, Mac/ or Tools/, never built for WASI).
      scanRoots: ['Modules', 'Objects', 'Python', 'Parser'].map((d) => join(src, d)),
    });
    collectHostOutput({ src, buildDir, destDir, libPrefix, out, version: cpython.version });
  });
}

/** Lays out the host build's products and writes the manifest the bundler and linker read. */
function collectHostOutput(p: { src: string; buildDir: string; destDir: string; libPrefix: string; out: string; version: string }) {
  const [major, minor] = p.version.split('.');
  const pyVer = `${major}.${minor}`;
  const configDir = `config-${pyVer}-wasm32-wasi`;
  cpSync(join(p.destDir, 'usr', 'local'), p.out, { recursive: true });
  // The C libraries and the archives CPython builds beside libpython (HACL SHA-2, expat).
  const libDir = join(p.out, 'lib', 'wasm32-wasip1');
  mkdirSync(libDir, { recursive: true });
  for (const f of readdirSync(join(p.libPrefix, 'lib')).filter((f) => f.endsWith('.a'))) copyFileSync(join(p.libPrefix, 'lib', f), join(libDir, f));
  const moduleArchives = ['Modules/_hacl/libHacl_Hash_SHA2.a', 'Modules/expat/libexpat.a'].filter((a) => existsSync(join(p.buildDir, a)));
  for (const a of moduleArchives) copyFileSync(join(p.buildDir, a), join(libDir, a.split('/').pop()!));
  // The stdlib, plus the target's sysconfig data from the build tree.
  const stdlib = join(p.out, 'lib', `python${pyVer}`);
  cpSync(join(p.src, 'Lib'), stdlib, { recursive: true, filter: (s) => !/\/(__pycache__|test|idlelib|tkinter|turtledemo)$/.test(s) });
  const pybuilddir = readFileSync(join(p.buildDir, 'pybuilddir.txt'), 'utf8').trim();
  for (const f of readdirSync(join(p.buildDir, pybuilddir))) {
    if (f.startsWith('_sysconfigdata') || f.startsWith('_sysconfig_vars')) copyFileSync(join(p.buildDir, pybuilddir, f), join(stdlib, f));
  }
  const libs = ['libz.a', 'libbz2.a', 'liblzma.a', 'libmpdec.a', 'libsqlite3.a', ...moduleArchives.map((a) => a.split('/').pop()!)];
  writeManifest(p.out, {
    name: 'cpython',
    version: p.version,
    // A static build installs libpython only into its config folder.
    libraries: [`lib/python${pyVer}/${configDir}/libpython${pyVer}.a`, ...libs.map((l) => `lib/wasm32-wasip1/${l}`)],
    linkArgs: HOST_LINK_ARGS,
    modules: [],
    pythonRoots: [{ path: `lib/python${pyVer}`, exclude: [...STDLIB_EXCLUDES, configDir] }],
    includeDirs: [`include/python${pyVer}`],
    facts: { pythonVersion: p.version, pyVersion: pyVer, stdlib: relative(p.out, stdlib) },
  });
}

/**
 * Builds CPython for wasm32-wasip1: the C libraries, the native build Python, then the host Python.
 * Each phase is cached outside the clone; the result is copied to options.outDir.
 */
export async function buildPythonWasi(options: PythonWasiOptions): Promise<PythonWasiResult> {
  const jobs = options.jobs ?? availableParallelism();
  const lock = readLock(options.workspaceRoot);
  const toolchain = await resolveToolchain(lock);
  log(`toolchain: ${toolchain.kind} (${toolchain.binDir})`);
  const build = configGuess(await fetchSource(getSource(lock, 'cpython')));
  const libraries = await buildLibraries(lock, toolchain, build, jobs);
  // Step 2: the native build Python (core's, shared with the steps that need it later).
  const buildPython = await ensureBuildPython(lock, jobs);
  const version = getSource(lock, 'cpython').version;
  const host = await buildHostPython(lock, toolchain, build, buildPython, libraries.outDir, jobs);
  publishOutput(host.outDir, options.outDir, { workspace: options.workspaceRoot });
  // The build Python stays in the cache (it is large); the published manifest names its place there.
  const manifestPath = join(options.outDir, 'wasi-manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  manifest.facts.buildPython = buildPythonFact(buildPython);
  // Published, not cached: the reasons an import of a left-out stdlib module reports.
  manifest.pythonRoots[0].leftOut = STDLIB_LEFT_OUT_REASONS;
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  return { outDir: options.outDir, buildPython, version };
}
