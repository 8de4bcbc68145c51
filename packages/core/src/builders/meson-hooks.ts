import { readdirSync, mkdirSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { WasiPystackError } from '../errors';
import type { LoadedMesonRecipe } from '../recipe-formats/meson-recipe';
import type { ExtensionModule } from '../static-link/extensions';
import type { Toolchain } from '../toolchain';

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

/**
 * The hooks a recipe names, merged (at most one beforeExtensions). Each is a package exporting
 * `mesonHooks`, resolved from the recipe file's folder: the package that ships the recipe depends on
 * it (pandas-wasi on cython-patcher), core does not.
 */
export function loadMesonHooks(recipe: Pick<LoadedMesonRecipe, 'file' | 'hooks'>): MesonBuildHooks {
  const requireFromRecipe = createRequire(recipe.file);
  const loaded = (recipe.hooks ?? []).map((pkg) => {
    let hooks: MesonBuildHooks | undefined;
    try {
      hooks = (requireFromRecipe(pkg) as { mesonHooks?: MesonBuildHooks }).mesonHooks;
    } catch (e) {
      throw new WasiPystackError(`${recipe.file} names the hook ${pkg}, which cannot be loaded from the recipe's folder: ${(e as Error).message.split('\n')[0]}`, `make ${pkg} a dependency of the package that ships the recipe (npm install ${pkg}), or correct hooks in the recipe`);
    }
    if (!hooks) throw new WasiPystackError(`${pkg} (a hook of ${recipe.file}) exports no mesonHooks`, 'name a package that exports mesonHooks, or correct hooks in the recipe');
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

