import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { WasiPystackError } from '../errors';
import { readLock, type SourceLock } from '../lock';
import { readManifest, type BuildManifest } from '../manifest';
import { resolveToolchain } from '../cxx-runtime/cxx-runtime';
import { BUILDERS, builderOf, type BuilderName } from './builders';
import { listOf, mapOf, object, oneOf, parseChecked, parseJsonFile, string } from '../recipe-formats/validate';
import type { Check } from '../recipe-formats/validate';

/**
 * The registry of build steps. A step is one file, `wasi-step.json`: its builder, the steps it builds
 * on, its configurations (each a recipe: a file beside it, or written inline) and the module of its
 * stack. nx-plugin turns every step file it finds (the packages' own, and any in the workspace) into
 * a project with a compile target and its dependencies; no TypeScript is written for a new step.
 */
export const STEP_FILE = 'wasi-step.json';
export const STEP_FORMAT = 'wasi-pystack-step/1';
export const DEFAULT_CONFIGURATION = 'default';

/** Whether a step builds the interpreter (its builder's `interpreter`). */
export { BUILDERS, type BuilderName };

export const buildsInterpreter = (step: Pick<StepFile, 'builder'>) => BUILDERS[step.builder].interpreter;

export interface StepFile {
  format: typeof STEP_FORMAT;
  /** The step's name, also its Nx project ("numpy-wasi"). */
  step: string;
  description: string;
  builder: BuilderName;
  /** Steps whose outputs this one builds on; python-wasi for every package. */
  upstream: string[];
  /** "default" and any others ("pandas3"); each a recipe file (relative to this file) or an inline recipe. */
  configurations: Record<string, { recipe: string | Record<string, unknown> }>;
  /** A command module of this step's whole stack (bundle and build targets): dist/modules/<name>.wasm. */
  module?: { name: string; description: string };
}

export interface RegisteredStep extends StepFile {
  /** The step file. */
  file: string;
  /** The installed package that ships the step file (its package.json names it), if one does. */
  package?: string;
}

const check: Check = object({
  format: oneOf(STEP_FORMAT),
  step: string,
  description: string,
  builder: oneOf(...Object.keys(BUILDERS)),
  upstream: listOf(string),
  configurations: mapOf(object({ recipe: (v, path, problems) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? undefined : string(v, path, problems)) })),
  'module?': object({ name: string, description: string }),
});

const STEP_NAME = /^[a-z][a-z0-9-]*$/;

export function parseStepFile(text: string, file: string): RegisteredStep {
  const step = parseChecked<StepFile>(text, file, check, 'correct the keys named above (see StepFile in @wasi-pystack/core)');
  const problems: string[] = [];
  if (!STEP_NAME.test(step.step)) problems.push(`step: '${step.step}' must be lowercase letters, digits and dashes`);
  if (!step.configurations[DEFAULT_CONFIGURATION]) problems.push(`configurations/${DEFAULT_CONFIGURATION}: missing`);
  if (problems.length) throw new WasiPystackError(`${file} has ${problems.length} problem(s)`, 'correct the keys named above (see StepFile in @wasi-pystack/core)', problems);
  return { ...step, file };
}

/** The field of a package's package.json that names the step file it ships. */
export const PACKAGE_STEP_FIELD = 'wasi-pystack';

/** The package whose package.json, beside the step file, names it in PACKAGE_STEP_FIELD. */
function shippingPackage(file: string): string | undefined {
  const manifest = join(dirname(file), 'package.json');
  if (!existsSync(manifest)) return undefined;
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string } & Record<string, { step?: unknown } | undefined>;
  const step = pkg[PACKAGE_STEP_FIELD]?.step;
  return typeof step === 'string' && typeof pkg.name === 'string' && resolve(dirname(manifest), step) === file ? pkg.name : undefined;
}

export function readStepFile(file: string): RegisteredStep {
  if (!existsSync(file)) throw new WasiPystackError(`no step file at ${file}`, `name a ${STEP_FILE} that exists`);
  // Absolute, so that the recipe's relative paths (patches, allow lists) do not depend on the working folder.
  const step = parseStepFile(readFileSync(file, 'utf8'), resolve(file));
  const pkg = shippingPackage(step.file);
  return pkg ? { ...step, package: pkg } : step;
}

export interface StepRegistry {
  /** Every step by name, in build order (a step after the steps it builds on). */
  steps: Map<string, RegisteredStep>;
}

/**
 * The registry of the given step files. A later file of a name already registered replaces it (a
 * workspace's own step overrides a package's). Unknown upstream steps and cycles are errors.
 */
export function stepRegistry(files: string[]): StepRegistry {
  const byName = new Map<string, RegisteredStep>();
  for (const file of files) {
    const step = readStepFile(file);
    byName.set(step.step, step);
  }
  for (const step of byName.values()) {
    const unknown = step.upstream.filter((u) => !byName.has(u));
    if (unknown.length) throw new WasiPystackError(`${step.file} builds on ${unknown.join(', ')}, which no step file registers`, `add the step file of ${unknown.join(', ')} to the workspace or the plugin's options, or correct upstream`, [...byName.keys()].map((n) => `known: ${n}`));
  }
  const ordered = new Map<string, RegisteredStep>();
  const visiting = new Set<string>();
  const visit = (name: string, path: string[]) => {
    if (ordered.has(name)) return;
    if (visiting.has(name)) throw new WasiPystackError(`the steps build on each other in a cycle: ${[...path, name].join(' -> ')}`, 'remove one of these upstream entries');
    visiting.add(name);
    for (const u of byName.get(name)!.upstream) visit(u, [...path, name]);
    visiting.delete(name);
    ordered.set(name, byName.get(name)!);
  };
  for (const name of [...byName.keys()].sort()) visit(name, []);
  return { steps: ordered };
}

/** The step by name, with an error listing the registered ones. */
export function getStep(registry: StepRegistry, name: string): RegisteredStep {
  const step = registry.steps.get(name);
  if (!step) throw new WasiPystackError(`no step '${name}' is registered`, `register its ${STEP_FILE}, or choose one of: ${[...registry.steps.keys()].join(', ')}`);
  return step;
}

/** Every step a step builds on, transitively, in build order (not the step itself). */
export function upstreamClosure(registry: StepRegistry, name: string): string[] {
  const needed = new Set<string>();
  const add = (n: string) => getStep(registry, n).upstream.forEach((u) => (needed.has(u) ? undefined : (add(u), needed.add(u))));
  add(name);
  return [...registry.steps.keys()].filter((n) => needed.has(n));
}

/** The configuration a step builds for a workspace configuration: its own of that name, else its default. */
export const configurationOf = (step: StepFile, configuration: string) => (step.configurations[configuration] ? configuration : DEFAULT_CONFIGURATION);

/** A step's recipe in one configuration, as its builder read it. */
export interface LoadedStepRecipe<R = { name: string; source: string; file: string } & Record<string, unknown>> {
  builder: BuilderName;
  /** As the builder's parse returned it (the caller that knows the builder names its type). */
  recipe: R;
}

/** The recipe a step builds in a configuration, read and checked by its builder. */
export function stepRecipe<R = LoadedStepRecipe['recipe']>(step: RegisteredStep, configuration = DEFAULT_CONFIGURATION, lock?: SourceLock): LoadedStepRecipe<R> {
  const entry = step.configurations[configurationOf(step, configuration)];
  const inline = typeof entry.recipe !== 'string';
  const file = inline ? step.file : isAbsolute(entry.recipe as string) ? (entry.recipe as string) : join(dirname(step.file), entry.recipe as string);
  let text: string;
  if (inline) text = JSON.stringify(entry.recipe);
  else {
    if (!existsSync(file)) throw new WasiPystackError(`${step.file}: configurations/${configurationOf(step, configuration)}/recipe names ${file}, which does not exist`, 'correct the recipe path (relative to the step file)');
    text = readFileSync(file, 'utf8');
  }
  const format = (parseJsonFile(text, file) as { format?: string })?.format;
  const expected = BUILDERS[step.builder].format;
  if (format !== expected) throw new WasiPystackError(`${file} is a recipe of format '${format}', and the step's builder '${step.builder}' takes '${expected}'`, 'correct the recipe\'s format or the step\'s builder');
  const named = <T extends { name: string }>(r: T): T => (inline ? { ...r, name: step.step } : r);
  const recipe = named(builderOf(step.builder).parse(text, file, lock));
  // A file the recipe names must be there: a stale name would read as "none reviewed" or fail mid-build.
  const missing = (['castAllowListFile', 'librariesFile'] as const).filter((k) => typeof recipe[k] === 'string' && !existsSync(recipe[k] as string)).map((k) => `${k.replace(/File$/, '')}: ${recipe[k]} does not exist`);
  if (missing.length) throw new WasiPystackError(`${file} has ${missing.length} problem(s)`, 'correct the paths named above (relative to the recipe file), or leave the key out', missing);
  return { builder: step.builder, recipe: recipe as R };
}

export interface BuildStepOptions {
  workspaceRoot: string;
  configuration?: string;
  /** Output folders of the upstream steps, by step name. */
  upstream: Record<string, string>;
  /** Where the output is copied (the Nx target's output). */
  outDir: string;
  jobs?: number;
  /** A recipe file of the step's builder that replaces the configuration's (experiments, overlays). */
  recipe?: string;
}

/**
 * Whether a step builds C libraries of its own that need none of its upstream steps (NumPy's BLIS):
 * Nx builds those while the upstream steps compile (the nx-plugin's `libraries` target).
 */
export function stepHasOwnLibraries(step: RegisteredStep, configuration = DEFAULT_CONFIGURATION): boolean {
  const builder = builderOf(step.builder);
  if (!builder.hasOwnLibraries || !step.upstream.length) return false;
  return builder.hasOwnLibraries(stepRecipe(step, configuration).recipe);
}

/** Builds a step's own C libraries into the step cache (see stepHasOwnLibraries); its compile finds them there. */
export async function buildRegisteredStepLibraries(step: RegisteredStep, options: Pick<BuildStepOptions, 'workspaceRoot' | 'configuration' | 'jobs'>): Promise<{ outDir?: string }> {
  const lock = readLock(options.workspaceRoot);
  const builder = builderOf(step.builder);
  const { recipe } = stepRecipe(step, options.configuration, lock);
  if (!builder.ownLibraries || !builder.hasOwnLibraries?.(recipe)) return {};
  const built = await builder.ownLibraries(recipe, lock, await resolveToolchain(lock), options.jobs ?? availableParallelism());
  return { outDir: built?.outDir };
}

/** The step with its configuration's recipe replaced by the given file (BuildStepOptions.recipe). */
export function withRecipe(step: RegisteredStep, configuration: string | undefined, recipe: string | undefined): RegisteredStep {
  if (!recipe) return step;
  return { ...step, configurations: { ...step.configurations, [configurationOf(step, configuration ?? DEFAULT_CONFIGURATION)]: { recipe: resolve(recipe) } } };
}

/** Whether a step output is the interpreter's: its manifest names the build Python that compiles against it. */
export const isInterpreterManifest = (manifest: BuildManifest) => typeof manifest.facts.buildPython === 'string';

/** Builds one registered step with its builder (on the step engine). */
export async function buildRegisteredStep(registered: RegisteredStep, options: BuildStepOptions): Promise<{ outDir: string; version: string }> {
  const step = withRecipe(registered, options.configuration, options.recipe);
  const { builder, recipe } = stepRecipe(step, options.configuration, readLock(options.workspaceRoot));
  const missing = step.upstream.filter((u) => !options.upstream[u]);
  if (missing.length) throw new WasiPystackError(`${step.step} builds on ${missing.join(', ')}, and no output folder was given for it`, `pass upstream.${missing[0]} (the output folder of that step)`);
  const common = { workspaceRoot: options.workspaceRoot, outDir: options.outDir, jobs: options.jobs };
  if (BUILDERS[builder].interpreter) return builderOf(builder).build(recipe, common);
  // The interpreter among the upstream outputs is the one whose manifest names a build Python; the
  // others are packages, by the name their manifests give (numpy, ...), as recipes refer to them.
  const outputs = step.upstream.map((u) => ({ dir: options.upstream[u], manifest: readManifest(options.upstream[u]) }));
  const pythonWasi = outputs.find((o) => isInterpreterManifest(o.manifest))?.dir;
  if (!pythonWasi) throw new WasiPystackError(`${step.step} builds a Python package, and none of its upstream steps (${step.upstream.join(', ') || 'none'}) builds the interpreter`, 'add the step that builds CPython (python-wasi) to upstream');
  const packages = Object.fromEntries(outputs.filter((o) => o.dir !== pythonWasi).map((o) => [o.manifest.name, o.dir]));
  return builderOf(builder).build(recipe, { ...common, pythonWasi, upstream: packages });
}
