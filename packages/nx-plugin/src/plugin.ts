import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { readdirSync } from 'node:fs';
import { readLock, readMesonRecipe } from '@wasi-pystack/core';
import * as numpyWasi from '@wasi-pystack/numpy-wasi';
import * as pandasWasi from '@wasi-pystack/pandas-wasi';
import { inferProject, type PyprojectFacts, type RecipeFinder, type StepName, type WasiPystackPluginOptions } from './infer';

/** Where each recipe-built step keeps its recipes, and its default. */
const RECIPE_STEPS: Partial<Record<StepName, () => { dir: string; defaultRecipe: string }>> = {
  'numpy-wasi': () => ({ dir: numpyWasi.RECIPES_DIR, defaultRecipe: numpyWasi.DEFAULT_RECIPE }),
  'pandas-wasi': () => ({ dir: pandasWasi.RECIPES_DIR, defaultRecipe: pandasWasi.DEFAULT_RECIPE }),
};

/** The recipe (by name) that builds a lock key; undefined when it is the step's default recipe. */
export const findRecipeInPackages: RecipeFinder = (step, source) => {
  const where = RECIPE_STEPS[step]?.();
  if (!where) return undefined;
  for (const file of readdirSync(where.dir).filter((f) => f.endsWith('.json')).sort()) {
    const name = file.replace(/\.json$/, '');
    if (readMesonRecipe(join(where.dir, file)).source === source) return name === where.defaultRecipe ? undefined : name;
  }
  return undefined;
};

/** Every pyproject.toml is looked at; only those with a [tool.wasi-pystack] table become projects. */
export const PYPROJECT_GLOB = '**/pyproject.toml';

interface NodesContext {
  workspaceRoot: string;
}

/** Reads what inference needs from a pyproject.toml; undefined when it has no [tool.wasi-pystack]. */
export function readPyprojectFacts(file: string): PyprojectFacts | undefined {
  let doc: Record<string, any>;
  try {
    doc = parseToml(readFileSync(file, 'utf8')) as Record<string, any>;
  } catch {
    return undefined; // Not ours to report: the bundle step names a broken pyproject.toml precisely.
  }
  const tool = doc.tool?.['wasi-pystack'];
  if (!tool || typeof tool !== 'object') return undefined;
  const name = typeof doc.project?.name === 'string' ? doc.project.name : undefined;
  if (!name) return undefined;
  const deps = Array.isArray(doc.project?.dependencies) ? doc.project.dependencies.filter((d: unknown) => typeof d === 'string') : [];
  return { name, entry: typeof tool.entry === 'string' ? tool.entry : undefined, dependencies: deps };
}

async function createNodesFunction(files: readonly string[], options: WasiPystackPluginOptions | undefined, context: NodesContext) {
  const lock = readLock(context.workspaceRoot);
  const results: [string, { projects: Record<string, ReturnType<typeof inferProject>> }][] = [];
  for (const file of files) {
    const facts = readPyprojectFacts(join(context.workspaceRoot, file));
    if (!facts) continue;
    const project = inferProject(file, facts, lock, options ?? {}, findRecipeInPackages);
    results.push([file, { projects: { [project.root]: project } }]);
  }
  return results;
}

/**
 * The Nx plugin: in nx.json, `"plugins": ["@wasi-pystack/nx-plugin"]` (or with options, see
 * WasiPystackPluginOptions). A project is then its pyproject.toml and its source.
 */
export const createNodes = [PYPROJECT_GLOB, createNodesFunction] as const;
/** The same, under the name Nx 20-22 look up first. */
export const createNodesV2 = createNodes;
