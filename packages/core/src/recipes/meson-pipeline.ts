import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, symlinkSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { WasiPystackError } from '../errors';
import { fetchSource } from '../fetch';
import { auditStepFunctionCasts, castAuditKey } from '../function-casts/audit';
import { FUNCTION_CAST_WARNING_FLAGS } from '../function-casts/cast-warnings';
import { getSource, readLock } from '../lock';
import { log, timed } from '../log';
import { ensureManifestBuildPython } from '../build-python';
import { readManifest, type BuildManifest } from '../manifest';
import { runAll } from '../run';
import { prefixMapFlags } from '../build-paths';
import { stepOutputIdentity } from '../step-cache';
import { cacheRoot } from '../paths';
import { resolveToolchain } from '../cxx-runtime/cxx-runtime';
import type { Toolchain } from '../toolchain';
import { installPythonFiles } from '../cross/install-python-files';
import { prepareMesonCross } from '../cross/meson-project';
import { buildStaticExtensions, type StaticExtensions } from '../cross/static-extensions';
import { assertOnlyTargetPythonHeaders } from '../cross/target-python';
import type { ExtensionModule } from '../cross/extensions';
import { runStepInto, type StepContext, type StepDefinition } from '../engine/step-engine';
import { expandCrossProperties, type LoadedMesonRecipe } from './meson-recipe';
import { buildLibraryPrefix, PKG_CONFIG_DIRS, readLibraryRecipes } from './library-recipe';

export interface MesonPackageOptions {
  workspaceRoot: string;
  /** The python-wasi output folder. */
  pythonWasi: string;
  /** Output folders of the recipe's upstream steps, by manifest name (pandas: { numpy: 'dist/numpy-wasi' }). */
  upstream?: Record<string, string>;
  /** Where the output is copied (the Nx target's output). */
  outDir: string;
  jobs?: number;
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
  /** Module files of the hook's code: they go into the step's key (core's codeIdentity). */
  code?: string[];
}

/** Packages that provide the hooks recipes name; any other name is a package exporting `mesonHooks`. */
export const HOOK_PACKAGES: Record<string, string> = { 'cython-patcher': '@wasi-pystack/cython-patcher' };

/** The hooks a recipe names, loaded from their packages, merged (at most one beforeExtensions). */
export function loadMesonHooks(recipe: Pick<LoadedMesonRecipe, 'file' | 'hooks'>): MesonBuildHooks {
  const loaded = (recipe.hooks ?? []).map((name) => {
    const pkg = HOOK_PACKAGES[name] ?? name;
    let hooks: MesonBuildHooks | undefined;
    try {
      hooks = (require(pkg) as { mesonHooks?: MesonBuildHooks }).mesonHooks;
    } catch (e) {
      throw new WasiPystackError(`${recipe.file} names the hook '${name}', and ${pkg} cannot be loaded: ${(e as Error).message.split('\n')[0]}`, `install ${pkg} (npm install ${pkg}), or correct hooks in the recipe`);
    }
    if (!hooks) throw new WasiPystackError(`${pkg} (hook '${name}' of ${recipe.file}) exports no mesonHooks`, 'name a package that exports mesonHooks, or correct hooks in the recipe');
    return hooks;
  });
  const before = loaded.filter((h) => h.beforeExtensions);
  if (before.length > 1) throw new WasiPystackError(`${recipe.file} names ${before.length} hooks that run before the extension build`, 'name at most one of them');
  return { beforeExtensions: before[0]?.beforeExtensions, code: loaded.flatMap((h) => h.code ?? []) };
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

/**
 * The recipe as it goes into a cache key: its content, never where the file lies (the patches, the
 * cast allow-list and the libraries go in by their content).
 */
export const mesonRecipeKey = (r: LoadedMesonRecipe) => {
  const { file: _file, name: _name, patchFiles: _p, patches: _ps, castAllowListFile: _c, castAllowList: _ca, librariesFile: _l, libraries: _li, $comment: _comment, ...content } = r as LoadedMesonRecipe & { $comment?: unknown };
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

/** The recipe's C libraries (its `libraries` file), built into a prefix of their own, or none. */
export async function buildRecipeLibraries(recipe: LoadedMesonRecipe, lock: ReturnType<typeof readLock>, toolchain: Toolchain, jobs: number) {
  if (!recipe.librariesFile) return undefined;
  const recipes = readLibraryRecipes(recipe.librariesFile);
  return timed(`${recipe.package}: C libraries (${recipes.libraries.map((l) => l.source).join(', ')})`, () =>
    buildLibraryPrefix({ step: `${recipe.package}-wasm32-libraries`, recipes, lock, toolchain, jobs }),
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

export async function buildMesonPackage(recipe: LoadedMesonRecipe, options: MesonPackageOptions, extraHooks: MesonBuildHooks = {}): Promise<{ outDir: string; version: string }> {
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
  const hooks = { ...loadMesonHooks(recipe), ...(extraHooks.beforeExtensions ? extraHooks : {}) };
  const libraries = await buildRecipeLibraries(recipe, lock, toolchain, jobs);
  const source = getSource(lock, recipe.source);
  const wheels = recipe.buildWheels.map((k) => getSource(lock, k));
  const what = `${recipe.package} ${source.version}`;

  // Filled in by the phases, in order.
  let linked: Record<string, BuildManifest & { dir: string }> = {};
  let libPrefix: string | undefined;
  let libraryArchives: string[] = [];
  let cross: Awaited<ReturnType<typeof prepareMesonCross>>;
  let meson: string[] = [];
  let build = '';
  let initSymbolFor: ((module: ExtensionModule) => string) | undefined;
  let runtime: StaticExtensions;
  let tests: StaticExtensions | undefined;
  const helpers = new Set(recipe.extensions.testHelpers);
  const extensionsInput = (ctx: StepContext) => ({ buildDir: build, meson, ninja: toolchain.ninja, ar: toolchain.ar, nm: toolchain.nm, env: cross.env, logFile: ctx.logFile, log, jobs, initSymbolFor });

  const step: StepDefinition = {
    step: `${recipe.package}-wasm32-wasip1`,
    what,
    recipe: mesonRecipeKey(recipe),
    source,
    patches: recipe.patchFiles,
    toolchain,
    code: [__filename, ...(hooks.code ?? [])],
    inputs: {
      wheels: wheels.map((w) => w.sha256),
      python: stepOutputIdentity(options.pythonWasi),
      // Seen by the build through a link in the work folder (UPSTREAM_IN_WORK), so Cython's file table
      // names e.g. numpy's .pxd files by a path that is the same in every clone.
      upstream: Object.fromEntries(Object.keys(upstream).map((n) => [n, { identity: stepOutputIdentity(options.upstream![n]), at: `${UPSTREAM_IN_WORK}/${n}` }])),
      // Seen through a link in the work folder (LIBRARIES_IN_WORK), like the upstream outputs.
      ...(libraries ? { libraries: { identity: stepOutputIdentity(libraries.outDir), at: LIBRARIES_IN_WORK } } : {}),
      casts: castAuditKey(recipe.castAllowListFile ?? ''),
    },
    phases: [
      {
        name: 'build tools and cross file',
        run: async ({ work, logFile }) => {
          linked = linkUpstream(work, upstream);
          libPrefix = libraries ? join(work, LIBRARIES_IN_WORK) : undefined;
          if (libPrefix) symlinkSync(libraries!.outDir, libPrefix);
          libraryArchives = libPrefix ? libraries!.archives.map((a) => join(libPrefix!, a)) : [];
          const upstreamSitePackages = Object.values(linked).map((m) => join(m.dir, 'site-packages'));
          cross = await prepareMesonCross({
            work, python, buildPython, toolchain, logFile,
            toolWheels: await Promise.all(wheels.map((w) => fetchSource(w))),
            properties: expandCrossProperties(recipe.crossProperties, linked),
            pythonPath: upstreamSitePackages.length ? upstreamSitePackages.join(':') : undefined,
            pkgConfigDirs: libPrefix ? PKG_CONFIG_DIRS.map((d) => join(libPrefix!, d)).filter((d) => existsSync(d)) : undefined,
            // The prefix maps remove paths, they do not change what is built.
            compileArgs: [...FUNCTION_CAST_WARNING_FLAGS, ...prefixMapFlags({ work, cache: cacheRoot(), workspace: options.workspaceRoot }), ...(recipe.compileArgs ?? [])],
          });
        },
      },
      {
        name: 'meson setup (wasm32-wasip1)',
        run: async ({ work, src, logFile }) => {
          build = join(work, 'build');
          meson = recipe.meson.command === 'venv' ? [join(cross.venv, 'bin', 'meson')] : [buildPython, join(src, recipe.meson.command)];
          await runAll([{ argv: [...meson, 'setup', '--cross-file', cross.crossFile, '--buildtype=release', '-Db_ndebug=if-release', '--prefix=/usr/local', ...recipe.meson.options, build, src], cwd: work, env: cross.env }], { logFile });
          assertOnlyTargetPythonHeaders(join(build, 'build.ninja'), python.dir);
        },
      },
      ...(hooks.beforeExtensions
        ? [{
            name: `hooks (${(recipe.hooks ?? ['package']).join(', ')})`,
            run: async ({ src, logFile }: StepContext) => {
              const hooked = (await hooks.beforeExtensions!({ recipe, src, build, env: cross.env, toolchain, jobs, logFile })) || {};
              initSymbolFor = hooked.initSymbolFor;
            },
          }]
        : []),
      {
        name: 'extension modules',
        run: async (ctx) => {
          // The recipe's own libraries count too: the module links them, so a symbol both define is renamed in the module.
          const externalArchives = [...python.libraries, ...Object.values(upstream).flatMap((m) => m.libraries), ...libraryArchives];
          runtime = await buildStaticExtensions({ ...extensionsInput(ctx), outDir: ctx.out, include: (m) => !helpers.has(m), externalArchives, keepDuplicateSymbols: recipe.keepDuplicateSymbols });
          if (helpers.size) tests = await buildStaticExtensions({ ...extensionsInput(ctx), outDir: join(ctx.out, 'test-helpers'), include: (m) => helpers.has(m) });
          checkExpectedModules(recipe, [...runtime.modules, ...(tests?.modules ?? [])].map((m) => m.name));
        },
      },
      {
        // Every function-pointer cast and method-table entry that would trap on wasm fails the step here.
        name: 'function-cast audit',
        run: ({ src, out, logFile }) => auditStepFunctionCasts({ logFile, outDir: out, paths: { buildDir: build, sourceRoots: [src, build] }, allowList: recipe.castAllowListFile, what }),
      },
      {
        name: 'Python files',
        run: ({ out, logFile }) => {
          installPythonFiles(build, meson, join(out, 'site-packages'), cross.env, logFile);
          if (recipe.python.testsApart) moveTestFolders(join(out, 'site-packages'), join(out, 'test-helpers', 'site-packages'));
        },
      },
      {
        name: 'manifest',
        run: ({ out, writeManifest }) => {
          // The recipe's libraries ship in the output, after the extension archives that use them.
          const shippedLibraries = libraryArchives.map((a) => {
            const rel = join('lib', basename(a));
            copyFileSync(a, join(out, rel));
            return rel;
          });
          const common = { version: source.version, facts: { [`${recipe.package}Version`]: source.version, recipe: recipe.name } };
          writeManifest({
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
            writeManifest(
              {
                name: `${recipe.package}-test-helpers`,
                ...common,
                includeDirs: [],
                libraries: tests?.libraries ?? [],
                linkArgs: tests?.linkArgs ?? [],
                modules: tests?.modules ?? [],
                needs: recipe.needs,
                pythonRoots: [{ path: 'site-packages' }],
              },
              join(out, 'test-helpers'),
            );
          }
        },
      },
    ],
  };
  await runStepInto(step, options.outDir, { workspace: options.workspaceRoot });
  log(`${what} for wasm32-wasip1 -> ${options.outDir}`);
  return { outDir: options.outDir, version: source.version };
}
