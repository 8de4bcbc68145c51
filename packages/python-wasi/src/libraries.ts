import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AUTOCONF_HOST, boolean, listOf, mapOf, object, oneOf, parseChecked, string, type Command, type Toolchain } from '@wasi-pystack/core';

/**
 * The C libraries behind stdlib modules, as data (recipes/libraries.json): each built for
 * wasm32-wasip1 as a static library into one prefix with a pkg-config file, where CPython's configure
 * finds them through PKG_CONFIG_LIBDIR.
 */
export const LIBRARY_RECIPES_FILE = join(__dirname, '..', 'recipes', 'libraries.json');

export interface LibraryContext {
  /** Unpacked source tree (the recipe may build in it). */
  src: string;
  /** Install prefix shared by all libraries: include/, lib/, lib/pkgconfig/. */
  prefix: string;
  toolchain: Toolchain;
  /** config.guess of the build machine. */
  build: string;
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
      archive: string,
      toolEnv: boolean,
      'env?': mapOf(string),
      commands: listOf(object({ argv: listOf(string), 'cwd?': string, 'toolEnv?': boolean })),
      'pkgConfig?': object({ file: string, name: string, libs: string }),
    }),
  ),
});

export function parseLibraryRecipes(text: string, file: string): LibraryRecipes {
  return parseChecked<LibraryRecipes>(text, file, check, 'correct the keys named above (see LibraryRecipe in @wasi-pystack/python-wasi)');
}

export function readLibraryRecipes(file = LIBRARY_RECIPES_FILE): LibraryRecipes {
  return parseLibraryRecipes(readFileSync(file, 'utf8'), file);
}

/** Replaces {prefix}, {jobs}, {cc}, ... in one recipe string. */
function expander(ctx: LibraryContext, cflags: string): (s: string) => string {
  const t = ctx.toolchain;
  const values: Record<string, string> = { prefix: ctx.prefix, jobs: String(ctx.jobs), host: AUTOCONF_HOST, build: ctx.build, cc: t.cc, cxx: t.cxx, ar: t.ar, ranlib: t.ranlib, nm: t.nm, strip: t.strip, cflags, src: ctx.src };
  return (s) =>
    s.replace(/\{(\w+)\}/g, (whole, name: string) => {
      if (!(name in values)) throw new Error(`unknown placeholder ${whole} in ${LIBRARY_RECIPES_FILE}`);
      return values[name];
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
