import { copyFileSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fetchSource } from '../fetch';
import { castAuditPhase } from '../function-casts/audit';
import { FUNCTION_CAST_WARNING_FLAGS } from '../function-casts/cast-warnings';
import { getSource, readLock } from '../lock';
import { log, timed } from '../log';
import { readManifest, type BuildManifest } from '../manifest';
import { runAll } from '../run';
import { prefixMapFlags } from '../build-paths';
import { stepOutputIdentity } from '../step-cache';
import { cacheRoot } from '../workspace-facts';
import type { Toolchain } from '../toolchain';
import { installPythonFiles } from '../meson/install-python-files';
import { prepareMesonCross } from '../meson/meson-project';
import { buildStaticExtensions, type StaticExtensions } from '../static-link/static-extensions';
import { assertOnlyTargetPythonHeaders } from '../static-link/target-python';
import type { ExtensionModule } from '../static-link/extensions';
import type { StepContext } from '../engine/step-engine';
import { expandCrossProperties, type LoadedMesonRecipe } from '../recipe-formats/meson-recipe';
import { buildLibraryPrefix, PKG_CONFIG_DIRS, readLibraryRecipes } from './c-libraries';
import { checkExpectedModules, loadMesonHooks, moveTestFolders, type MesonBuildHooks } from './meson-hooks';
import { preparePackageBuild, runPackageStep, type PackageBuildOptions } from './package-build';

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

/**
 * Builds any meson-built Python package from its recipe: fetch and verify, patch, cross set-up,
 * meson setup, the package's hooks, static extension modules, the function-cast audit, the Python
 * files, manifests; cached as one step keyed by what goes in (package-build.ts). Every phase is timed
 * and its commands run through the one command runner with the step's log.
 */
export async function buildMesonPackage(recipe: LoadedMesonRecipe, options: PackageBuildOptions, extraHooks: MesonBuildHooks = {}): Promise<{ outDir: string; version: string }> {
  const pkg = await preparePackageBuild(recipe, options);
  const { jobs, lock, toolchain, python, buildPython, source, what } = pkg;
  // The upstream package outputs (the step file names the steps), by the package name their manifests give.
  const upstream = Object.fromEntries(Object.values(options.upstream ?? {}).map((dir) => readManifest(dir)).map((m) => [m.name, m]));
  const hooks = { ...loadMesonHooks(recipe), ...(extraHooks.beforeExtensions ? extraHooks : {}) };
  const libraries = await buildRecipeLibraries(recipe, lock, toolchain, jobs);
  const wheels = recipe.buildWheels.map((k) => getSource(lock, k));

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

  return runPackageStep(recipe, options, pkg, {
    code: [__filename, ...(hooks.code ?? [])],
    inputs: {
      wheels: wheels.map((w) => w.sha256),
      // Seen by the build through a link in the work folder (UPSTREAM_IN_WORK), so Cython's file table
      // names e.g. numpy's .pxd files by a path that is the same in every clone.
      upstream: Object.fromEntries(Object.values(upstream).map((m) => [m.name, { identity: stepOutputIdentity(m.dir), at: `${UPSTREAM_IN_WORK}/${m.name}` }])),
      // Seen through a link in the work folder (LIBRARIES_IN_WORK), like the upstream outputs.
      ...(libraries ? { libraries: { identity: stepOutputIdentity(libraries.outDir), at: LIBRARIES_IN_WORK } } : {}),
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
      castAuditPhase(what, recipe.castAllowListFile, ({ src }) => ({ buildDir: build, sourceRoots: [src, build] })),
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
  });
}
