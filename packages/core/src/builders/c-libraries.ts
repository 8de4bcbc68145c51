import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { prefixMapFlags } from '../build-paths';
import { WasiPystackError } from '../errors';
import { extractTarball } from '../extract';
import { fetchSource } from '../fetch';
import { getSource, type SourceLock } from '../lock';
import { cacheRoot } from '../workspace-facts';
import { runAll, type Command } from '../run';
import { runStep, type StepContext } from '../engine/step-engine';
import { AUTOCONF_HOST, type Toolchain } from '../toolchain';
import { boolean, listOf, mapOf, object, oneOf, parseChecked, string } from '../recipe-formats/validate';

/**
 * C libraries as data (a `wasi-pystack-library-recipes/1` file): each built for wasm32-wasip1 as a
 * static library into one prefix with a pkg-config file. python-wasi's recipes/libraries.json holds
 * the libraries behind stdlib modules (CPython's configure finds them through PKG_CONFIG_LIBDIR);
 * a meson recipe may name one for the libraries its package links (NumPy: BLIS).
 */

export interface LibraryContext {
  /** Unpacked source tree (the recipe may build in it). */
  src: string;
  /** Install prefix shared by all libraries: include/, lib/, lib/pkgconfig/. */
  prefix: string;
  toolchain: Toolchain;
  /** config.guess of the build machine (for autoconf's --build); only recipes that say {build} need it. */
  build?: string;
  jobs: number;
}

interface RecipeCommand {
  argv: string[];
  /** Relative to the unpacked source. */
  cwd?: string;
  /** Overrides the library's toolEnv for this command. */
  toolEnv?: boolean;
}

export interface LibraryRecipe {
  /** Key in deps/sources.lock.json. */
  source: string;
  /** Only these folders of the source are unpacked (paths below its top-level folder). */
  members?: string[];
  /** The static archive it installs (relative to the prefix). */
  archive: string;
  /** Set CC, CXX, AR, RANLIB, NM, STRIP, CFLAGS, CXXFLAGS for every command. */
  toolEnv: boolean;
  /** Further environment (adds to or overrides toolEnv). */
  env?: Record<string, string>;
  commands: RecipeCommand[];
  /** A .pc file for libraries that install none. */
  pkgConfig?: { file: string; name: string; libs: string };
}

export interface LibraryRecipes {
  format: 'wasi-pystack-library-recipes/1';
  cflags: string;
  libraries: LibraryRecipe[];
}

const check = object({
  format: oneOf('wasi-pystack-library-recipes/1'),
  cflags: string,
  libraries: listOf(
    object({
      source: string,
      'members?': listOf(string),
      archive: string,
      toolEnv: boolean,
      'env?': mapOf(string),
      commands: listOf(object({ argv: listOf(string), 'cwd?': string, 'toolEnv?': boolean })),
      'pkgConfig?': object({ file: string, name: string, libs: string }),
    }),
  ),
});

export function parseLibraryRecipes(text: string, file: string): LibraryRecipes {
  return parseChecked<LibraryRecipes>(text, file, check, 'correct the keys named above (see LibraryRecipe in @wasi-pystack/core)');
}

export function readLibraryRecipes(file: string): LibraryRecipes {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new WasiPystackError(`no library recipes at ${file}`, 'name a library recipe file that exists');
  }
  return parseLibraryRecipes(text, file);
}

/** Replaces {prefix}, {jobs}, {cc}, ... in one recipe string. */
function expander(ctx: LibraryContext, cflags: string): (s: string) => string {
  const t = ctx.toolchain;
  const values: Record<string, string | undefined> = { prefix: ctx.prefix, jobs: String(ctx.jobs), host: AUTOCONF_HOST, build: ctx.build, cc: t.cc, cxx: t.cxx, ar: t.ar, ranlib: t.ranlib, nm: t.nm, strip: t.strip, cflags, src: ctx.src };
  return (s) =>
    s.replace(/\{(\w+)\}/g, (whole, name: string) => {
      const value = values[name];
      if (value === undefined) throw new WasiPystackError(`a library recipe says ${whole}, which ${name in values ? 'this build does not provide' : 'is no placeholder'}`, 'use one of {prefix} {jobs} {host} {cc} {cxx} {ar} {ranlib} {nm} {strip} {cflags} {src} ({build} where the step knows it)');
      return value;
    });
}

/** The commands that build one library. */
export function planLibrary(recipe: LibraryRecipe, ctx: LibraryContext, cflags: string): Command[] {
  const x = expander(ctx, cflags);
  const t = ctx.toolchain;
  const toolEnv = { CC: t.cc, CXX: t.cxx, AR: t.ar, RANLIB: t.ranlib, NM: t.nm, STRIP: t.strip, CFLAGS: cflags, CXXFLAGS: cflags };
  const extra = Object.fromEntries(Object.entries(recipe.env ?? {}).map(([k, v]) => [k, x(v)]));
  return recipe.commands.map((c) => {
    const withTools = c.toolEnv ?? recipe.toolEnv;
    const env = withTools ? { ...toolEnv, ...extra } : recipe.toolEnv ? undefined : Object.keys(extra).length ? extra : undefined;
    return { argv: c.argv.map(x), cwd: c.cwd ? join(ctx.src, x(c.cwd)) : ctx.src, ...(env ? { env } : {}) };
  });
}

const pkgConfigText = (prefix: string, name: string, version: string, libs: string) =>
  [`prefix=${prefix}`, 'libdir=${prefix}/lib', 'includedir=${prefix}/include', '', `Name: ${name}`, `Description: ${name} for wasm32-wasip1 (wasi-pystack)`, `Version: ${version}`, `Libs: -L\${libdir} ${libs}`, 'Cflags: -I${includedir}', ''].join('\n');

/** Files to write before the commands run (pkg-config files for libraries without one). */
export function libraryFiles(recipe: LibraryRecipe, ctx: LibraryContext, version: string): Record<string, string> {
  return recipe.pkgConfig ? { [`lib/pkgconfig/${recipe.pkgConfig.file}`]: pkgConfigText(ctx.prefix, recipe.pkgConfig.name, version, recipe.pkgConfig.libs) } : {};
}

export function writeLibraryFiles(recipe: LibraryRecipe, ctx: LibraryContext, version: string): void {
  for (const [rel, text] of Object.entries(libraryFiles(recipe, ctx, version))) {
    const path = join(ctx.prefix, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
}

/**
 * The prefix is built in a temporary folder and renamed into the cache, so .pc files must not name
 * it: their prefix becomes relative to the .pc file itself (pkg-config's ${pcfiledir}).
 * libtool's .la files (absolute paths, unused here) are removed.
 */
export function makePkgConfigRelocatable(pkgconfigDir: string, buildPrefix: string): void {
  if (!existsSync(pkgconfigDir)) return;
  for (const f of readdirSync(pkgconfigDir).filter((f) => f.endsWith('.pc'))) {
    const path = join(pkgconfigDir, f);
    writeFileSync(path, readFileSync(path, 'utf8').split(buildPrefix).join('${pcfiledir}/../..'));
  }
  const libDir = join(pkgconfigDir, '..');
  for (const f of readdirSync(libDir).filter((f) => f.endsWith('.la'))) rmSync(join(libDir, f));
}

/** Where a library prefix keeps its .pc files (autotools: lib/pkgconfig; BLIS: share/pkgconfig). */
export const PKG_CONFIG_DIRS = ['lib/pkgconfig', 'share/pkgconfig'];

export interface LibraryPrefixOptions {
  /** The step's name in the step cache ("wasm32-libraries"). */
  step: string;
  recipes: LibraryRecipes;
  lock: SourceLock;
  toolchain: Toolchain;
  jobs: number;
  /** config.guess of the build machine, for recipes that say {build}. */
  build?: string;
}

/**
 * Builds every library of a recipe file into one prefix (include/, lib/, a .pc file per library),
 * one step on the engine (a phase per library, all side by side: a library that needs another
 * belongs in a recipe file of its own, an earlier step), keyed by the recipes, their sources, the toolchain
 * and this code.
 */
export async function buildLibraryPrefix(options: LibraryPrefixOptions): Promise<{ outDir: string; archives: string[] }> {
  const { recipes, lock, toolchain, jobs, build } = options;
  const sources = recipes.libraries.map((l) => `${l.source}@${getSource(lock, l.source).sha256}`);
  const step = await runStep({
    step: options.step,
    what: options.step,
    recipe: { ...recipes, $comment: undefined },
    inputs: { sources },
    toolchain,
    code: [__filename],
    phases: [
      ...recipes.libraries.map((recipe) => {
        const entry = getSource(lock, recipe.source);
        return {
          name: `${recipe.source} ${entry.version} for wasm32-wasip1`,
          // Libraries of one recipe file need nothing of each other: they build side by side.
          concurrent: true,
          run: async ({ out, work, logFile }: StepContext) => {
            const src = extractTarball(await fetchSource(entry), join(work, recipe.source), { tar: toolchain.tar, logFile, members: recipe.members });
            const ctx = { src, prefix: out, toolchain, build, jobs };
            writeLibraryFiles(recipe, ctx, entry.version);
            await runAll(planLibrary(recipe, ctx, [recipes.cflags, ...prefixMapFlags({ work, cache: cacheRoot() })].join(' ')), { logFile });
            if (!existsSync(join(out, recipe.archive))) throw new WasiPystackError(`${recipe.source}: ${recipe.archive} was not installed`, `check the recipe's install commands and archive path (log: ${logFile})`);
          },
        };
      }),
      { name: 'relocatable pkg-config files', run: ({ out }: StepContext) => PKG_CONFIG_DIRS.forEach((dir) => makePkgConfigRelocatable(join(out, dir), out)) },
    ],
  });
  return { outDir: step.outDir, archives: recipes.libraries.map((l) => l.archive) };
}
