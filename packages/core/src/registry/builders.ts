// The one builder table: every builder a step file may name, the recipe format it takes (read by
// the one recipe reader), the code that builds it, and whether its output is the interpreter the
// other builders compile against. A new build system is a row here; a new package is data.
import type { SourceLock } from '../lock';
import { buildCExtensionPackage } from '../builders/c-extension';
import { buildCPython } from '../builders/cpython';
import { buildMesonPackage, buildRecipeLibraries } from '../builders/meson';
import type { PackageBuildOptions } from '../builders/package-build';
import { buildSetuptoolsPackage } from '../builders/setuptools';
import { parseCExtensionRecipe, type LoadedCExtensionRecipe } from '../recipe-formats/c-extension-recipe';
import { parseCPythonRecipe, type LoadedCPythonRecipe } from '../recipe-formats/cpython-recipe';
import { parseMesonRecipe, type LoadedMesonRecipe } from '../recipe-formats/meson-recipe';
import { parseSetuptoolsRecipe, type LoadedSetuptoolsRecipe } from '../recipe-formats/setuptools-recipe';
import type { Toolchain } from '../toolchain';

/** What a builder is given: package builders also get the interpreter's output (pythonWasi) and the other upstream outputs. */
export type BuilderOptions = Omit<PackageBuildOptions, 'pythonWasi'> & { pythonWasi?: string };

export interface Builder<R extends { name: string; source: string }> {
  /** The `format` its recipes declare. */
  format: string;
  /** Its output is the interpreter (a step of this builder starts every stack). */
  interpreter: boolean;
  parse(text: string, file: string, lock?: SourceLock): R;
  build(recipe: R, options: BuilderOptions): Promise<{ outDir: string; version: string }>;
  /** C libraries of its own that need no upstream step (built beside them; see stepHasOwnLibraries). */
  ownLibraries?(recipe: R, lock: SourceLock, toolchain: Toolchain, jobs: number): Promise<{ outDir: string } | undefined> | undefined;
  hasOwnLibraries?(recipe: R): boolean;
}

const packageOptions = (o: BuilderOptions) => o as PackageBuildOptions;

export const BUILDERS = {
  cpython: { format: 'wasi-pystack-cpython-recipe/1', interpreter: true, parse: parseCPythonRecipe, build: (r, o) => buildCPython(r, o) } satisfies Builder<LoadedCPythonRecipe>,
  meson: {
    format: 'wasi-pystack-meson-recipe/1',
    interpreter: false,
    parse: parseMesonRecipe,
    build: (r, o) => buildMesonPackage(r, packageOptions(o)),
    ownLibraries: (r, lock, toolchain, jobs) => buildRecipeLibraries(r, lock, toolchain, jobs),
    hasOwnLibraries: (r) => Boolean(r.librariesFile),
  } satisfies Builder<LoadedMesonRecipe>,
  'c-extension': { format: 'wasi-pystack-c-extension-recipe/1', interpreter: false, parse: parseCExtensionRecipe, build: (r, o) => buildCExtensionPackage(r, packageOptions(o)) } satisfies Builder<LoadedCExtensionRecipe>,
  setuptools: { format: 'wasi-pystack-setuptools-recipe/1', interpreter: false, parse: parseSetuptoolsRecipe, build: (r, o) => buildSetuptoolsPackage(r, packageOptions(o)) } satisfies Builder<LoadedSetuptoolsRecipe>,
} as const;
export type BuilderName = keyof typeof BUILDERS;

/** A builder by name, typed loosely: callers pass it the recipe its own parse returned. */
export const builderOf = (name: BuilderName) => BUILDERS[name] as unknown as Builder<{ name: string; source: string } & Record<string, unknown>>;
