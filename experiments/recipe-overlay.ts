// A variant of a product recipe for an experiment: the recipe's JSON with some keys replaced, written
// beside the experiment's outputs. The product's API takes it as any other recipe file (`recipe:`),
// so experiments need no options of their own in the product. Relative paths of the base recipe
// (patches, castAllowList, libraries) are made absolute, as the overlay lies elsewhere.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';

const PATH_KEYS = ['patches', 'castAllowList', 'libraries'];

export function recipeOverlay(baseFile: string, changes: Record<string, unknown>, outDir: string, suffix: string): string {
  const recipe = JSON.parse(readFileSync(baseFile, 'utf8')) as Record<string, unknown>;
  const absolute = (p: string) => (isAbsolute(p) ? p : join(dirname(baseFile), p));
  for (const key of PATH_KEYS) {
    const value = recipe[key];
    if (typeof value === 'string') recipe[key] = absolute(value);
    else if (Array.isArray(value)) recipe[key] = value.map((v) => absolute(String(v)));
  }
  const file = join(outDir, 'recipes', `${basename(baseFile, '.json')}${suffix}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ ...recipe, ...changes, $comment: [`An experiment's overlay of ${basename(baseFile)}: ${Object.keys(changes).join(', ')} changed.`] }, null, 2) + '\n');
  return file;
}
