import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, symlinkSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { WasiPystackError } from '../errors';
import { extractTarball } from '../extract';
import { fetchSource } from '../fetch';
import { auditStepFunctionCasts, castAuditKey } from '../function-casts/audit';
import { FUNCTION_CAST_WARNING_FLAGS } from '../function-casts/cast-warnings';
import { getSource, readLock } from '../lock';
import { log, timed } from '../log';
import { ensureManifestBuildPython } from '../build-python';
import { readManifest, writeManifest, type BuildManifest } from '../manifest';
import { applyPatches, patchesKey } from '../patches';
import { runAll } from '../run';
import { prefixMapFlags } from '../build-paths';
import { cachedStep, stepOutputIdentity } from '../step-cache';
import { cacheRoot } from '../paths';
import { resolveToolchain, type Toolchain } from '../toolchain';
import { publishOutput } from '../workspace-output';
import { installPythonFiles } from '../cross/install-python-files';
import { prepareMesonCross } from '../cross/meson-project';
import { buildStaticExtensions, type StaticExtensions } from '../cross/static-extensions';
import { assertOnlyTargetPythonHeaders } from '../cross/target-python';
import type { ExtensionModule } from '../cross/extensions';
import { expandCrossProperties, type LoadedMesonRecipe } from './meson-recipe';
import { buildLibraryPrefix, PKG_CONFIG_DIRS, readLibraryRecipes } from './library-recipe';

/** Bump when the pipeline changes what it produces in a way no recipe or input would show. */
export const MESON_PIPELINE_VERSION = 5;

export interface MesonPackageOptions {
  workspaceRoot: string;
  /** The python-wasi output folder. */
  pythonWasi: string;
  /** Output folders of the recipe's upstream steps, by manifest name (pandas: { numpy: 'dist/numpy-wasi' }). */
  upstream?: Record<string, string>;
  /** Where the output is copied (the Nx target's output). */
  outDir: string;
  jobs?: number;
  /**
   * Only for experiments that reproduce other builds (docs/stack-root-cause.md): extra arguments for
   * every compile, and keeping symbols that upstream archives define too (no renames).
   */
  experiment?: { compileArgs?: string[]; keepDuplicateSymbols?: boolean };
}

/** What a package's own code may add between `meson setup` and the extension build. */
export interface MesonBuildContext {
  recipe: LoadedMesonRecipe;
  src: string;
  build: string;
  env: Record<string, string>;
  toolchain: Toolchain;
  jobs: number;
  logFile: string;
}

export interface MesonBuildHooks {
  /**
   * Runs after `meson setup`; may generate and transform sources (pandas: Cython, then the
   * cython-patcher) and say which init symbol a module then has.
   */
  beforeExtensions?(ctx: MesonBuildContext): Promise<{ initSymbolFor?: (module: ExtensionModule) => string } | void>;
}

/** Moves every `tests` folder below `from` into a parallel tree below `to`. */
export function moveTestFolders(from: string, to: string): void {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      if (entry.name === 'tests') found.push(join(dir, entry.name));
      else walk(join(dir, entry.name));
    }
  };
  walk(from);
  for (const dir of found) {
    const dest = join(to, relative(from, dir));
    mkdirSync(dirname(dest), { recursive: true });
    renameSync(dir, dest);
  }
}

/** Fails when the build produced fewer extension modules than the recipe expects. */
export function checkExpectedModules(recipe: Pick<LoadedMesonRecipe, 'file' | 'extensions'>, built: string[]): void {
  const missing = recipe.extensions.expected.filter((m) => !built.includes(m));
  if (missing.length) {
    throw new WasiPystackError(`the build produced no extension module ${missing.join(', ')}`, `find out why in the step log; if the package dropped it, remove it from extensions.expected in ${recipe.file}`);
  }
}

/** The recipe as it goes into a cache key: its content, never where the file lies. */
export const mesonRecipeKey = (r: LoadedMesonRecipe) => {
  const { file: _file, name: _name, patchesDir: _p, castAllowListFile: _c, librariesFile: _l, $comment: _comment, ...content } = r as LoadedMesonRecipe & { $comment?: unknown };
  return content;
};

/**
 * Builds any meson-built Python package from its recipe: fetch and verify, patch, cross set-up,
 * meson setup, the package's hook, static extension modules, the function-cast audit, the Python
 * files, manifests; cached as one step keyed by what goes in. Every phase is timed and its commands
 * run through the one command runner with the step's log.
 */
/** Where a step's work folder links its upstream outputs (upstream/numpy -> dist/numpy-wasi). */
const UPSTREAM_IN_WORK = 'upstream';
/** Where a step's work folder links the prefix of the recipe's own C libraries. */
const LIBRARIES_IN_WORK = 'libraries';
/** Bump when how a recipe's own libraries are built changes in a way the library recipes would not show. */
export const RECIPE_LIBRARIES_VERSION = 1;

/** The recipe's C libraries (its `libraries` file), built into a prefix of their own, or none. */
async function buildRecipeLibraries(recipe: LoadedMesonRecipe, lock: ReturnType<typeof readLock>, toolchain: Toolchain, jobs: number) {
  if (!recipe.librariesFile) return undefined;
  const recipes = readLibraryRecipes(recipe.librariesFile);
  return timed(`${recipe.package}: C libraries (${recipes.libraries.map((l) => l.source).join(', ')})`, () =>
    buildLibraryPrefix({ step: `${recipe.package}-wasm32-libraries`, recipes, version: RECIPE_LIBRARIES_VERSION, lock, toolchain, jobs }),
  );
}

/** The upstream outputs as the build sees them: through links in the work folder. */
function linkUpstream(work: string, upstream: Record<string, BuildManifest & { dir: string }>): Record<string, BuildManifest & { dir: string }> {
  return Object.fromEntries(
    Object.entries(upstream).map(([name, m]) => {
      const link = join(work, UPSTREAM_IN_WORK, name);
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(m.dir, link);
      const moved = (p: string) => join(link, relative(m.dir, p));
      return [name, { ...m, dir: link, includeDirs: m.includeDirs.map(moved), libraries: m.libraries.map(moved) }];
    }),
  );
}

export async function buildMesonPackage(recipe: LoadedMesonRecipe, options: MesonPackageOptions, hooks: MesonBuildHooks = {}): Promise<{ outDir: string; version: string }> {
  const jobs = options.jobs ?? availableParallelism();
  const lock = readLock(options.workspaceRoot);
  const toolchain = await resolveToolchain(lock);
  const python = readManifest(options.pythonWasi);
  const buildPython = await ensureManifestBuildPython(python, lock, jobs);
  const upstream: Record<string, BuildManifest & { dir: string }> = {};
  for (const name of recipe.upstream) {
    const dir = options.upstream?.[name];
    if (!dir) throw new WasiPystackError(`${recipe.package} builds on ${name}, and its output was not given`, `pass the output folder of the step that builds ${name} (e.g. ${name}Wasi / upstream.${name})`);
    upstream[name] = readManifest(dir);
    if (upstream[name].name !== name) throw new WasiPystackError(`${dir} holds ${upstream[name].name}, not ${name}`, `pass the output of the step that builds ${name}`);
  }
  const libraries = await buildRecipeLibraries(recipe, lock, toolchain, jobs);
  const source = getSource(lock, recipe.source);
  const wheels = recipe.buildWheels.map((k) => getSource(lock, k));
  const allowList = recipe.castAllowListFile ?? '';
  const key = {
    pipeline: MESON_PIPELINE_VERSION,
    recipe: mesonRecipeKey(recipe),
    source: source.sha256,
    wheels: wheels.map((w) => w.sha256),
    toolchain: toolchain.fingerprint,
    python: stepOutputIdentity(options.pythonWasi),
    // Seen by the build through a link in the work folder (UPSTREAM_IN_WORK), so Cython's file table
    // names e.g. numpy's .pxd files by a path that is the same in every clone.
    upstream: Object.fromEntries(Object.keys(upstream).map((n) => [n, { identity: stepOutputIdentity(options.upstream![n]), at: `${UPSTREAM_IN_WORK}/${n}` }])),
    // Seen through a link in the work folder (LIBRARIES_IN_WORK), like the upstream outputs.
    ...(libraries ? { libraries: { identity: stepOutputIdentity(libraries.outDir), at: LIBRARIES_IN_WORK } } : {}),
    patches: recipe.patchesDir ? patchesKey(recipe.patchesDir) : [],
    casts: castAuditKey(allowList),
    ...(options.experiment ? { experiment: options.experiment } : {}),
  };
  const what = `${recipe.package} ${source.version}`;
  const step = await cachedStep({ step: `${recipe.package}-wasm32-wasip1`, key }, async (out, work, logFile) => {
    const src = await timed(`${what}: sources`, async () => {
      const dir = extractTarball(await fetchSource(source), join(work, 'src'), { tar: toolchain.tar, logFile });
      if (recipe.patchesDir) await applyPatches(dir, recipe.patchesDir, logFile);
      return dir;
    });
    const linked = linkUpstream(work, upstream);
    const libPrefix = libraries ? join(work, LIBRARIES_IN_WORK) : undefined;
    if (libPrefix) symlinkSync(libraries!.outDir, libPrefix);
    const libraryArchives = libPrefix ? libraries!.archives.map((a) => join(libPrefix, a)) : [];
    const upstreamSitePackages = Object.values(linked).map((m) => join(m.dir, 'site-packages'));
    const { crossFile, env, venv } = await timed(`${what}: build tools and cross file`, async () =>
      prepareMesonCross({
        work, python, buildPython, toolchain, logFile,
        toolWheels: await Promise.all(wheels.map((w) => fetchSource(w))),
        properties: expandCrossProperties(recipe.crossProperties, linked),
        pythonPath: upstreamSitePackages.length ? upstreamSitePackages.join(':') : undefined,
        pkgConfigDirs: libPrefix ? PKG_CONFIG_DIRS.map((d) => join(libPrefix, d)).filter((d) => existsSync(d)) : undefined,
        // Not in the key: the prefix maps remove paths, they do not change what is built.
        compileArgs: [...FUNCTION_CAST_WARNING_FLAGS, ...prefixMapFlags({ work, cache: cacheRoot(), workspace: options.workspaceRoot }), ...(options.experiment?.compileArgs ?? [])],
      }),
    );
    const build = join(work, 'build');
    const meson = recipe.meson.command === 'venv' ? [join(venv, 'bin', 'meson')] : [buildPython, join(src, recipe.meson.command)];
    await timed(`${what}: meson setup (wasm32-wasip1)`, () =>
      runAll([{ argv: [...meson, 'setup', '--cross-file', crossFile, '--buildtype=release', '-Db_ndebug=if-release', '--prefix=/usr/local', ...recipe.meson.options, build, src], cwd: work, env }], { logFile }),
    );
    assertOnlyTargetPythonHeaders(join(build, 'build.ninja'), python.dir);
    const hooked = (await hooks.beforeExtensions?.({ recipe, src, build, env, toolchain, jobs, logFile })) || {};
    const helpers = new Set(recipe.extensions.testHelpers);
    const extensions = { buildDir: build, meson, ninja: toolchain.ninja, ar: toolchain.ar, nm: toolchain.nm, env, logFile, log, jobs, initSymbolFor: hooked.initSymbolFor };
    // The recipe's own libraries count too: the module links them, so a symbol both define is renamed in the module.
    const externalArchives = [...python.libraries, ...Object.values(upstream).flatMap((m) => m.libraries), ...libraryArchives];
    const runtime = await timed(`${what}: extension modules`, () =>
      buildStaticExtensions({ ...extensions, outDir: out, include: (m) => !helpers.has(m), externalArchives, keepDuplicateSymbols: options.experiment?.keepDuplicateSymbols }),
    );
    let tests: StaticExtensions | undefined;
    if (helpers.size) {
      tests = await timed(`${what}: test helper modules`, () => buildStaticExtensions({ ...extensions, outDir: join(out, 'test-helpers'), include: (m) => helpers.has(m) }));
    }
    checkExpectedModules(recipe, [...runtime.modules, ...(tests?.modules ?? [])].map((m) => m.name));
    // Every function-pointer cast and method-table entry that would trap on wasm fails the step here.
    auditStepFunctionCasts({ logFile, outDir: out, paths: { buildDir: build, sourceRoots: [src, build] }, allowList: recipe.castAllowListFile, what });
    await timed(`${what}: Python files`, async () => {
      installPythonFiles(build, meson, join(out, 'site-packages'), env, logFile);
      if (recipe.python.testsApart) moveTestFolders(join(out, 'site-packages'), join(out, 'test-helpers', 'site-packages'));
    });
    // The recipe's libraries ship in the output, after the extension archives that use them.
    const shippedLibraries = libraryArchives.map((a) => {
      const rel = join('lib', basename(a));
      copyFileSync(a, join(out, rel));
      return rel;
    });
    const common = { version: source.version, facts: { [`${recipe.package}Version`]: source.version, recipe: recipe.name } };
    writeManifest(out, {
      name: recipe.package,
      ...common,
      includeDirs: recipe.python.includeDirs,
      libraries: [...runtime.libraries, ...shippedLibraries],
      linkArgs: [...runtime.linkArgs, ...recipe.linkArgs],
      modules: runtime.modules,
      needs: recipe.needs,
      pythonRoots: [{ path: 'site-packages', exclude: recipe.python.bundleExcludes }],
      collisions: { dropped: runtime.dropped, renamed: runtime.renamed, borrowed: runtime.borrowed },
    });
    if (tests || recipe.python.testsApart) {
      writeManifest(join(out, 'test-helpers'), {
        name: `${recipe.package}-test-helpers`,
        ...common,
        includeDirs: [],
        libraries: tests?.libraries ?? [],
        linkArgs: tests?.linkArgs ?? [],
        modules: tests?.modules ?? [],
        needs: recipe.needs,
        pythonRoots: [{ path: 'site-packages' }],
      });
    }
  });
  publishOutput(step.outDir, options.outDir, { workspace: options.workspaceRoot });
  log(`${what} for wasm32-wasip1 -> ${options.outDir}`);
  return { outDir: options.outDir, version: source.version };
}
