import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { packagedStepFile, readLock, readStepFile, STEP_FILE, stepRegistry, type StepRegistry } from '@wasi-pystack/core';
import { inferProject, inferStepProject, type InferContext, type PyprojectFacts, type WasiPystackPluginOptions } from './infer';

/** Every pyproject.toml (projects: those with [tool.wasi-pystack]) and every step file of the workspace. */
export const PLUGIN_GLOB = `**/{pyproject.toml,${STEP_FILE}}`;
/** Kept for callers of the earlier name. */
export const PYPROJECT_GLOB = PLUGIN_GLOB;

interface NodesContext {
  workspaceRoot: string;
}

/** Reads what inference needs from a pyproject.toml; undefined when it has no [tool.wasi-pystack]. */
export function readPyprojectFacts(file: string): PyprojectFacts | undefined {
  let doc: Record<string, any>;
  const text = readFileSync(file, 'utf8');
  try {
    doc = parseToml(text) as Record<string, any>;
  } catch (e) {
    // Ours when it names our table: say so (it makes no project until fixed); another tool's file is not ours.
    if (/^\s*\[tool\.wasi-pystack\]/m.test(text)) console.warn(`[wasi-pystack] ${file} is not valid TOML, so it makes no project: ${(e as Error).message.split('\n')[0]}`);
    return undefined;
  }
  const tool = doc.tool?.['wasi-pystack'];
  if (!tool || typeof tool !== 'object') return undefined;
  const name = typeof doc.project?.name === 'string' ? doc.project.name : undefined;
  if (!name) return undefined;
  const deps = Array.isArray(doc.project?.dependencies) ? doc.project.dependencies.filter((d: unknown) => typeof d === 'string') : [];
  const maxMemory = typeof tool['max-memory'] === 'string' || typeof tool['max-memory'] === 'number' ? tool['max-memory'] : undefined;
  // Passed on as written: the link names a wrong value with the forms it takes.
  const exceptions = tool.exceptions;
  return { name, entry: typeof tool.entry === 'string' ? tool.entry : undefined, ...(maxMemory !== undefined ? { maxMemory } : {}), ...(exceptions !== undefined ? { exceptions } : {}), dependencies: deps };
}

/**
 * The registry a workspace sees: the packages' step files, then the plugin's `steps` option, then
 * the workspace's own step files (a later one of the same step name replaces an earlier one).
 */
export function workspaceRegistry(workspaceRoot: string, workspaceStepFiles: string[], options: WasiPystackPluginOptions = {}): StepRegistry {
  const packaged = packagedStepFiles(workspaceRoot);
  const named = (options.steps ?? []).map((f) => (isAbsolute(f) ? f : join(workspaceRoot, f)));
  return stepRegistry([...packaged, ...named, ...workspaceStepFiles]);
}

/** Folders no step file of the workspace lies in. */
const NOT_SEARCHED = new Set(['node_modules', 'dist', '.git', '.nx', 'tmp']);

/**
 * The workspace's own step files (what Nx hands createNodes, found the same way for commands that run
 * outside Nx): every wasi-step.json below the root, outside node_modules and build outputs.
 */
export function workspaceStepFiles(workspaceRoot: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && !NOT_SEARCHED.has(entry.name)) walk(join(dir, entry.name));
      else if (entry.isFile() && entry.name === STEP_FILE) found.push(join(dir, entry.name));
    }
  };
  walk(workspaceRoot);
  return found.sort();
}

/**
 * The step files of installed packages: every dependency of this plugin and of the workspace's
 * package.json whose package.json names one (core's PACKAGE_STEP_FIELD). A package that builds a
 * step is data (a step file, its recipe, patches): installing it and naming it as a dependency is
 * all it takes.
 */
export function packagedStepFiles(workspaceRoot: string): string[] {
  const names = new Set([...dependencyNames(join(__dirname, '..', 'package.json')), ...dependencyNames(join(workspaceRoot, 'package.json'))]);
  return [...names].flatMap((name) => packagedStepFile(name, [workspaceRoot, __dirname]) ?? []);
}

function dependencyNames(packageJson: string): string[] {
  if (!existsSync(packageJson)) return [];
  const pkg = JSON.parse(readFileSync(packageJson, 'utf8')) as Record<string, Record<string, string> | undefined>;
  return [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})];
}

async function createNodesFunction(files: readonly string[], options: WasiPystackPluginOptions | undefined, context: NodesContext) {
  const opts = options ?? {};
  const stepFiles = files.filter((f) => basename(f) === STEP_FILE && !f.split('/').includes('node_modules')).map((f) => join(context.workspaceRoot, f));
  const registry = workspaceRegistry(context.workspaceRoot, stepFiles, opts);
  // A step is a project here when the registered step file lies in the workspace.
  const projectSteps = stepFiles.map((f) => readStepFile(f)).filter((s) => registry.steps.get(s.step)?.file === s.file);
  const ctx: InferContext = { workspaceRoot: context.workspaceRoot, registry, stepProjects: new Map(projectSteps.map((s) => [s.step, s.file])), options: opts };
  const results: [string, { projects: Record<string, unknown> }][] = [];
  for (const step of projectSteps) {
    const project = inferStepProject(ctx, registry.steps.get(step.step)!);
    results.push([step.file.slice(context.workspaceRoot.length + 1), { projects: { [project.root]: project } }]);
  }
  const lock = files.some((f) => basename(f) === 'pyproject.toml') ? readLock(context.workspaceRoot) : undefined;
  for (const file of files.filter((f) => basename(f) === 'pyproject.toml')) {
    const path = join(context.workspaceRoot, file);
    if (!existsSync(path)) continue;
    const facts = readPyprojectFacts(path);
    if (!facts) continue;
    const project = inferProject(file, facts, lock!, ctx);
    results.push([file, { projects: { [project.root]: project } }]);
  }
  return results;
}

/**
 * The Nx plugin: in nx.json, `"plugins": ["@wasi-pystack/nx-plugin"]` (or with options, see
 * WasiPystackPluginOptions). A project is then its pyproject.toml and its source; a build step is its
 * wasi-step.json (core's step registry) and its recipe.
 */
export const createNodes = [PLUGIN_GLOB, createNodesFunction] as const;
/** The same, under the name Nx 20-22 look up first. */
export const createNodesV2 = createNodes;
