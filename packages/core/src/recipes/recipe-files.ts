import { existsSync, readdirSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { WasiPystackError } from '../errors';
import type { SourceLock } from '../lock';
import { readMesonRecipe, type LoadedMesonRecipe } from './meson-recipe';

/**
 * Finds a recipe by name in a package's recipes/ folder ("numpy-2.5" -> recipes/numpy-2.5.json), or
 * takes a path to a recipe file as it is.
 */
export function findMesonRecipe(recipesDir: string, nameOrPath: string, lock?: SourceLock): LoadedMesonRecipe {
  if (nameOrPath.endsWith('.json') || isAbsolute(nameOrPath)) return readMesonRecipe(nameOrPath, lock);
  const file = join(recipesDir, `${nameOrPath}.json`);
  if (!existsSync(file)) {
    const known = existsSync(recipesDir) ? readdirSync(recipesDir).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')) : [];
    throw new WasiPystackError(`no recipe '${nameOrPath}' in ${recipesDir}`, `choose one of: ${known.join(', ') || '(none)'}, or give the path of a recipe file`);
  }
  return readMesonRecipe(file, lock);
}
