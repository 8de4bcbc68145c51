import { basename, dirname, join } from 'node:path';
import { findPinned, getSource, packageOf, requiredClosure, type SourceLock } from '@wasi-pystack/core';

/** The build steps a user project can need, in the order they build on each other. */
export const STEPS = ['python-wasi', 'numpy-wasi', 'pandas-wasi'] as const;
export type StepName = (typeof STEPS)[number];

/** Which step compiles a package with C code; anything else in the lock is a pure-Python wheel. */
export const STEP_FOR_PACKAGE: Record<string, StepName> = { cpython: 'python-wasi', numpy: 'numpy-wasi', pandas: 'pandas-wasi' };

/** A step a project needs, and the lock key of the source it must build ("numpy-2.5"). */
export interface NeededStep {
  step: StepName;
  source: string;
}

/** The recipe of a step that builds a given lock key, or undefined for the step's default. */
export type RecipeFinder = (step: StepName, source: string) => string | undefined;

/** A step that a workspace project already builds (this repository has python-wasi, numpy-wasi, pandas-wasi). */
export interface StepProject {
  project: string;
  /** Default: compile. */
  target?: string;
  /** Its output folder, relative to the workspace root. */
  outputPath: string;
  /** The recipe it builds; a project that needs another one gets a compile target of its own. Default: the step's default recipe. */
  recipe?: string;
}

type Input = string | Record<string, unknown>;

export interface WasiPystackPluginOptions {
  /**
   * Workspace projects that build the steps. Steps not named here get compile targets of their own on
   * each user project (compile-python-wasi, ...), writing to <project>/dist/steps/<step>.
   */
  stepProjects?: Partial<Record<StepName, StepProject>>;
  /**
   * Cache inputs that stand for the toolchain packages. Default: the installed @wasi-pystack packages
   * (externalDependencies); a workspace that holds their sources names its own inputs.
   */
  inputs?: Partial<Record<'compile' | 'bundle' | 'build', Input[]>>;
  /** Target names. Default: bundle and build. */
  bundleTargetName?: string;
  buildTargetName?: string;
}

export interface PyprojectFacts {
  name: string;
  /** [tool.wasi-pystack] entry; a project with one builds a reactor by default, one without a command. */
  entry?: string;
  dependencies: string[];
}

const PIN = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;,]+)/;

/**
 * The steps a project needs, in build order: python-wasi always, plus the steps of its compiled
 * dependencies and of what they require, each with the lock key it must build (pandas==3.1.1 ->
 * pandas-3, which requires numpy-2.5). Pins the lock does not know are left to the bundler to report.
 */
export function stepsFor(lock: SourceLock, dependencies: string[]): NeededStep[] {
  const keys = dependencies.map((d) => PIN.exec(d)).flatMap((m) => (m ? [findPinned(lock, m[1], m[2])?.name] : [])).filter((k): k is string => !!k);
  const needed = new Map<StepName, string>([['python-wasi', 'cpython']]);
  for (const key of requiredClosure(lock, keys)) {
    const step = STEP_FOR_PACKAGE[packageOf(getSource(lock, key))];
    if (step) needed.set(step, key);
  }
  return STEPS.filter((s) => needed.has(s)).map((step) => ({ step, source: needed.get(step)! }));
}

const packageInputs = (...packages: string[]): Input[] => [{ externalDependencies: packages.map((p) => `@wasi-pystack/${p}`) }, { env: 'WASI_SDK_PATH' }];

/** Pure: the project configuration inferred for one pyproject.toml. */
export function inferProject(pyprojectFile: string, facts: PyprojectFacts, lock: SourceLock, options: WasiPystackPluginOptions = {}, recipeFor: RecipeFinder = () => undefined) {
  const root = dirname(pyprojectFile) === '.' ? '.' : dirname(pyprojectFile);
  const at = (...parts: string[]) => join(root, ...parts);
  const needed = stepsFor(lock, facts.dependencies);
  const steps = needed.map((n) => n.step);
  const recipes = new Map(needed.map((n) => [n.step, recipeFor(n.step, n.source)]));
  const bundleTarget = options.bundleTargetName ?? 'bundle';
  const buildTarget = options.buildTargetName ?? 'build';
  const targets: Record<string, Record<string, unknown>> = {};
  const implicitDependencies: string[] = [];
  const stepOutput = new Map<StepName, string>();
  const stepTask = new Map<StepName, string | { projects: string[]; target: string }>();

  for (const step of steps) {
    const recipe = recipes.get(step);
    const known = options.stepProjects?.[step];
    if (known && known.recipe === recipe) {
      stepOutput.set(step, known.outputPath);
      stepTask.set(step, { projects: [known.project], target: known.target ?? 'compile' });
      implicitDependencies.push(known.project);
      continue;
    }
    const name = `compile-${step}`;
    const outputPath = at('dist', 'steps', step);
    const upstream = STEPS.slice(0, STEPS.indexOf(step));
    const upstreamOptions: Record<string, string> = {};
    if (step !== 'python-wasi') upstreamOptions.pythonWasi = stepOutput.get('python-wasi')!;
    if (step === 'pandas-wasi') upstreamOptions.numpyWasi = stepOutput.get('numpy-wasi')!;
    targets[name] = {
      executor: `@wasi-pystack/${step}:compile`,
      options: { ...upstreamOptions, outputPath, ...(recipe ? { recipe } : {}) },
      dependsOn: upstream.filter((s) => steps.includes(s)).map((s) => stepTask.get(s)!),
      cache: true,
      inputs: [...(options.inputs?.compile ?? packageInputs(step, 'core')), { dependentTasksOutputFiles: '**/*', transitive: true }],
      outputs: [`{workspaceRoot}/${outputPath}`],
      metadata: { description: `${step}'s output for this project (restored from the step cache when already built).` },
    };
    stepOutput.set(step, outputPath);
    stepTask.set(step, name);
  }

  const inputs = steps.map((s) => stepOutput.get(s)!);
  const bundlePath = at('dist', 'bundle');
  const kind = facts.entry ? 'reactor' : 'command';
  const slug = basename(facts.name);
  const moduleFile = (k: string) => at('dist', k === 'command' && kind === 'reactor' ? `${slug}-command.wasm` : `${slug}.wasm`);
  const projectFiles = ['{projectRoot}/**/*', '!{projectRoot}/dist/**/*'];
  const upstreamOutputs = { dependentTasksOutputFiles: '**/*', transitive: true };

  targets[bundleTarget] = {
    executor: '@wasi-pystack/stub-bundler:bundle',
    options: { inputs, project: root, outputPath: bundlePath },
    dependsOn: steps.map((s) => stepTask.get(s)!),
    cache: true,
    inputs: [...(options.inputs?.bundle ?? packageInputs('stub-bundler', 'core')), upstreamOutputs, ...projectFiles],
    outputs: [`{workspaceRoot}/${bundlePath}`],
    metadata: { description: `The stdlib, ${steps.slice(1).join(' and ') || 'no compiled packages'}, the lock's wheels for the dependencies and ${facts.name}'s source, as one archive.` },
  };
  targets[buildTarget] = {
    executor: '@wasi-pystack/linker:link',
    options: { inputs, bundle: bundlePath, kind, outputPath: moduleFile(kind) },
    configurations: {
      command: { kind: 'command', outputPath: moduleFile('command') },
      reactor: { kind: 'reactor', outputPath: at('dist', `${slug}.wasm`) },
      // A reactor that starts its interpreter at the first process() instead of at build time.
      'no-snapshot': { kind: 'reactor', snapshot: false, outputPath: at('dist', `${slug}-no-snapshot.wasm`) },
    },
    dependsOn: [bundleTarget],
    cache: true,
    inputs: [...(options.inputs?.build ?? packageInputs('linker', 'core')), upstreamOutputs],
    outputs: ['{options.outputPath}'],
    metadata: { description: `${slug}.wasm: ${kind === 'reactor' ? `a reactor whose process() calls ${facts.entry}` : 'a command module that behaves like python'}; :command and :reactor choose the kind, :no-snapshot a reactor without its build-time snapshot.` },
  };
  return { root, name: facts.name, projectType: 'application' as const, implicitDependencies, targets };
}
