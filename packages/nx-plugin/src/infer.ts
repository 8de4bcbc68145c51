import { basename, dirname, join, relative } from 'node:path';
import { configurationOf, DEFAULT_CONFIGURATION, getStep, stepHasOwnLibraries, stepOutputDir, stepsForDependencies, upstreamClosure, type RegisteredStep, type SourceLock, type StepRegistry } from '@wasi-pystack/core';

/**
 * Pure inference: the registry of steps (core's step files) and a project's facts in, Nx project
 * configuration out. Nothing here knows CPython, NumPy or pandas: every step is a registry entry.
 */
type Input = string | Record<string, unknown>;

/** The executor that builds every registered step, CPython's included (core's one step executor). */
export const COMPILE_EXECUTOR = '@wasi-pystack/nx-plugin:compile';
/** The executor that pins a project's dependencies in the workspace's lock. */
export const LOCK_EXECUTOR = '@wasi-pystack/nx-plugin:lock';
/** The executor that builds a step's own C libraries, beside its upstream steps. */
export const LIBRARIES_EXECUTOR = '@wasi-pystack/nx-plugin:libraries';

export interface WasiPystackPluginOptions {
  /** Step files besides the packages' own and those in the workspace (paths relative to the workspace root). */
  steps?: string[];
  /**
   * Cache inputs that stand for the toolchain packages. Default: the installed @wasi-pystack packages
   * (externalDependencies); a workspace that holds their sources names its own inputs.
   */
  inputs?: Partial<Record<'compile' | 'bundle' | 'build', Input[]>>;
  /** Target names. Default: bundle and build. */
  bundleTargetName?: string;
  buildTargetName?: string;
}

/** The forms of exception handling a step's module also builds in (configurations exceptions-<form>); exnref is the default. */
export const OTHER_EXCEPTION_FORMS = ['legacy', 'none'] as const;

export interface PyprojectFacts {
  name: string;
  /** [tool.wasi-pystack] entry; a project with one builds a reactor by default, one without a command. */
  entry?: string;
  /** [tool.wasi-pystack] max-memory ("512MiB"): the build target's maxMemory. */
  maxMemory?: string | number;
  /** [tool.wasi-pystack] exceptions ("exnref", "legacy", "none"): the build target's exceptions. */
  exceptions?: unknown;
  dependencies: string[];
}

export interface InferContext {
  workspaceRoot: string;
  registry: StepRegistry;
  /** Steps that are projects of this workspace (their step file lies in it), by step name -> project root. */
  stepProjects: Map<string, string>;
  options: WasiPystackPluginOptions;
}

const upstreamOutputs = { dependentTasksOutputFiles: '**/*', transitive: true };
const packageInputs = (...packages: string[]): Input[] => [{ externalDependencies: packages.map((p) => (p.startsWith('@') ? p : `@wasi-pystack/${p}`)) }, { env: 'WASI_SDK_PATH' }];

/**
 * How a compile target names its step file: by its path in the workspace, or, for a step file that
 * lies outside (an installed package's), by its package ("@wasi-pystack/numpy-wasi/wasi-step.json"),
 * which reads the same on every machine.
 */
export function stepFileOption(workspaceRoot: string, step: RegisteredStep): string {
  const inWorkspace = relative(workspaceRoot, step.file);
  if (!inWorkspace.startsWith('..')) return inWorkspace;
  return step.package ? `${step.package}/${basename(step.file)}` : step.file;
}

/** Options and target of one step's compile in one configuration, given where its upstream outputs are. */
function compileTarget(ctx: InferContext, step: RegisteredStep, outputPath: string, upstream: Record<string, string>, configuration: string, dependsOn: unknown[], projectRoot?: string) {
  // A packaged step's files (step file, recipe, patches) come with its package; a workspace's are files here.
  const inputs = [
    ...(ctx.options.inputs?.compile ?? packageInputs(...(step.package ? [step.package] : []), 'nx-plugin', 'core')),
    ...(projectRoot ? ['{projectRoot}/**/*', '!{projectRoot}/dist/**/*', '!{projectRoot}/node_modules/**/*'] : step.package ? [] : [`{workspaceRoot}/${relative(ctx.workspaceRoot, step.file)}`]),
    upstreamOutputs,
  ];
  return {
    executor: COMPILE_EXECUTOR,
    options: {
      step: stepFileOption(ctx.workspaceRoot, step),
      outputPath,
      upstream,
      ...(configuration !== DEFAULT_CONFIGURATION ? { configuration } : {}),
    },
    dependsOn,
    cache: true,
    inputs,
    outputs: ['{options.outputPath}'],
    metadata: { description: step.description },
  };
}

/**
 * stepHasOwnLibraries, or false with the reason when the step's recipe does not read: inference goes
 * on (the step's compile target reports the same error when it runs), and the reason is shown in the
 * target's metadata (`nx show project`) and printed, never swallowed.
 */
function ownLibraries(step: RegisteredStep, configuration: string, problems: string[]): boolean {
  try {
    return stepHasOwnLibraries(step, configuration);
  } catch (e) {
    const problem = `${step.step}${configuration === DEFAULT_CONFIGURATION ? '' : `:${configuration}`}: ${(e as Error).message.split('\n')[0]}`;
    if (!problems.includes(problem)) problems.push(problem);
    return false;
  }
}

/** Every configuration a step can be built in: its own and those of the steps it builds on. */
export function configurationsOf(registry: StepRegistry, name: string): string[] {
  const all = new Set<string>();
  for (const s of [...upstreamClosure(registry, name), name]) for (const c of Object.keys(getStep(registry, s).configurations)) if (c !== DEFAULT_CONFIGURATION) all.add(c);
  return [...all].sort();
}

/** The targets of a step that is a project of this workspace: compile, and bundle and build for its module. */
export function inferStepProject(ctx: InferContext, step: RegisteredStep) {
  const root = relative(ctx.workspaceRoot, dirname(step.file)) || '.';
  const chain = [...upstreamClosure(ctx.registry, step.step), step.step];
  const missing = chain.filter((s) => s !== step.step && !ctx.stepProjects.has(s));
  const targets: Record<string, Record<string, unknown>> = {};
  // Upstream steps that are no project here (a package's, in a workspace that only installs it) get compile targets on this project.
  const stepTask = (s: string) => (s === step.step ? 'compile' : ctx.stepProjects.has(s) ? { projects: [s], target: 'compile' } : `compile-${s}`);
  const output = (s: string, c: string) => (s === step.step || ctx.stepProjects.has(s) ? stepOutputDir(s, configurationOf(getStep(ctx.registry, s), c)) : join(root, 'dist', 'steps', stepOutputDir(s, configurationOf(getStep(ctx.registry, s), c)).replace(/^dist\//, '')));
  const upstreamOf = (s: string, c: string) => Object.fromEntries(getStep(ctx.registry, s).upstream.map((u) => [u, output(u, c)]));
  const configurations = configurationsOf(ctx.registry, step.step);
  for (const s of missing) {
    const other = getStep(ctx.registry, s);
    targets[`compile-${s}`] = {
      ...compileTarget(ctx, other, output(s, DEFAULT_CONFIGURATION), upstreamOf(s, DEFAULT_CONFIGURATION), DEFAULT_CONFIGURATION, other.upstream.map(stepTask)),
      configurations: Object.fromEntries(configurations.map((c) => [c, { outputPath: output(s, c), upstream: upstreamOf(s, c), ...(configurationOf(other, c) !== DEFAULT_CONFIGURATION ? { configuration: c } : {}) }])),
    };
  }
  targets.compile = {
    ...compileTarget(ctx, step, output(step.step, DEFAULT_CONFIGURATION), upstreamOf(step.step, DEFAULT_CONFIGURATION), DEFAULT_CONFIGURATION, step.upstream.map(stepTask), root),
    configurations: Object.fromEntries(configurations.map((c) => [c, { outputPath: output(step.step, c), upstream: upstreamOf(step.step, c), ...(configurationOf(step, c) !== DEFAULT_CONFIGURATION ? { configuration: c } : {}) }])),
  };
  const problems: string[] = [];
  const withLibraries = [DEFAULT_CONFIGURATION, ...configurations].map((c) => ownLibraries(step, c, problems)).some(Boolean);
  if (problems.length) {
    (targets.compile as { metadata: Record<string, unknown> }).metadata.problems = problems;
    for (const p of problems) console.warn(`[wasi-pystack] ${p}`);
  }
  if (withLibraries) {
    // No dependencies: Nx builds them while the upstream steps compile, on the core they leave idle.
    const compile = targets.compile as { inputs: Input[]; dependsOn: unknown[] };
    targets.libraries = {
      executor: LIBRARIES_EXECUTOR,
      options: { step: stepFileOption(ctx.workspaceRoot, step) },
      configurations: Object.fromEntries(configurations.map((c) => [c, configurationOf(step, c) !== DEFAULT_CONFIGURATION ? { configuration: c } : {}])),
      cache: true,
      inputs: compile.inputs.filter((i) => i !== upstreamOutputs),
      outputs: [],
      metadata: { description: `The C libraries ${step.step}'s recipe builds for itself, into the step cache (they need no upstream step).` },
    };
    compile.dependsOn = ['libraries', ...compile.dependsOn];
  }
  if (step.module) {
    const inputsOf = (c: string) => chain.map((s) => output(s, c));
    const bundlePath = (c: string) => (c === DEFAULT_CONFIGURATION ? `dist/bundles/${step.module!.name}` : `dist/${c}/bundles/${step.module!.name}`);
    const modulePath = (c: string) => (c === DEFAULT_CONFIGURATION ? `dist/modules/${step.module!.name}.wasm` : `dist/modules/${c}/${step.module!.name}.wasm`);
    targets.bundle = {
      executor: '@wasi-pystack/stub-bundler:bundle',
      description: `The stdlib${chain.length > 1 ? ` and the Python files of ${chain.slice(1).join(', ')}` : ''} as one embedded archive.`,
      dependsOn: ['compile'],
      options: { inputs: inputsOf(DEFAULT_CONFIGURATION), outputPath: bundlePath(DEFAULT_CONFIGURATION) },
      configurations: Object.fromEntries(configurations.map((c) => [c, { inputs: inputsOf(c), outputPath: bundlePath(c) }])),
      cache: true,
      inputs: [...(ctx.options.inputs?.bundle ?? packageInputs('stub-bundler', 'core')), upstreamOutputs],
      outputs: ['{options.outputPath}'],
    };
    targets.build = {
      executor: '@wasi-pystack/linker:link',
      description: `${step.module.name}.wasm: ${step.module.description}`,
      dependsOn: ['bundle'],
      options: { inputs: inputsOf(DEFAULT_CONFIGURATION), bundle: bundlePath(DEFAULT_CONFIGURATION), kind: 'command', outputPath: modulePath(DEFAULT_CONFIGURATION) },
      configurations: {
        ...Object.fromEntries(configurations.map((c) => [c, { inputs: inputsOf(c), bundle: bundlePath(c), outputPath: modulePath(c) }])),
        // The same module with another form of C++ exception handling (docs/exceptions.md): for
        // hosts that run no exnref (Node 20: legacy; wasmtime before 39: none).
        ...Object.fromEntries(OTHER_EXCEPTION_FORMS.map((form) => [`exceptions-${form}`, { exceptions: form, outputPath: `dist/modules/exceptions-${form}/${step.module!.name}.wasm` }])),
      },
      cache: true,
      inputs: [...(ctx.options.inputs?.build ?? packageInputs('linker', 'core')), upstreamOutputs],
      outputs: ['{options.outputPath}'],
    };
  }
  const implicitDependencies = chain.filter((s) => s !== step.step && ctx.stepProjects.has(s));
  return { root, name: step.step, projectType: 'library' as const, implicitDependencies, targets };
}

/** Pure: the project configuration inferred for one pyproject.toml. */
export function inferProject(pyprojectFile: string, facts: PyprojectFacts, lock: SourceLock, ctx: InferContext) {
  const root = dirname(pyprojectFile) === '.' ? '.' : dirname(pyprojectFile);
  const at = (...parts: string[]) => join(root, ...parts);
  const needed = stepsForDependencies(ctx.registry, lock, facts.dependencies);
  const bundleTarget = ctx.options.bundleTargetName ?? 'bundle';
  const buildTarget = ctx.options.buildTargetName ?? 'build';
  const targets: Record<string, Record<string, unknown>> = {};
  const implicitDependencies: string[] = [];
  const stepOutput = new Map<string, string>();
  const stepTask = new Map<string, string | { projects: string[]; target: string }>();

  for (const { step: name, configuration } of needed) {
    const step = getStep(ctx.registry, name);
    // A step of this workspace in its default configuration is depended on; anything else is built here.
    if (ctx.stepProjects.has(name) && configurationOf(step, configuration) === DEFAULT_CONFIGURATION) {
      stepOutput.set(name, stepOutputDir(name, DEFAULT_CONFIGURATION));
      stepTask.set(name, { projects: [name], target: 'compile' });
      implicitDependencies.push(name);
      continue;
    }
    const outputPath = at('dist', 'steps', name);
    const upstream = Object.fromEntries(step.upstream.map((u) => [u, stepOutput.get(u)!]));
    targets[`compile-${name}`] = compileTarget(ctx, step, outputPath, upstream, configurationOf(step, configuration), step.upstream.map((u) => stepTask.get(u)!));
    stepOutput.set(name, outputPath);
    stepTask.set(name, `compile-${name}`);
  }

  const steps = needed.map((n) => n.step);
  const inputs = steps.map((s) => stepOutput.get(s)!);
  const bundlePath = at('dist', 'bundle');
  const kind = facts.entry ? 'reactor' : 'command';
  const slug = basename(facts.name);
  const moduleFile = (k: string) => at('dist', k === 'command' && kind === 'reactor' ? `${slug}-command.wasm` : `${slug}.wasm`);
  const projectFiles = ['{projectRoot}/**/*', '!{projectRoot}/dist/**/*'];

  targets[bundleTarget] = {
    executor: '@wasi-pystack/stub-bundler:bundle',
    options: { inputs, project: root, outputPath: bundlePath },
    dependsOn: steps.map((s) => stepTask.get(s)!),
    cache: true,
    inputs: [...(ctx.options.inputs?.bundle ?? packageInputs('stub-bundler', 'core')), upstreamOutputs, ...projectFiles],
    outputs: [`{workspaceRoot}/${bundlePath}`],
    metadata: { description: `The stdlib, the Python files of ${steps.slice(1).join(', ') || 'no compiled packages'}, the lock's wheels for the dependencies and ${facts.name}'s source, as one archive.` },
  };
  targets[buildTarget] = {
    executor: '@wasi-pystack/linker:link',
    options: { inputs, bundle: bundlePath, kind, outputPath: moduleFile(kind), ...(facts.maxMemory !== undefined ? { maxMemory: facts.maxMemory } : {}), ...(facts.exceptions !== undefined ? { exceptions: facts.exceptions } : {}) },
    configurations: {
      command: { kind: 'command', outputPath: moduleFile('command') },
      reactor: { kind: 'reactor', outputPath: at('dist', `${slug}.wasm`) },
      // A reactor that starts its interpreter at the first process() instead of at build time.
      'no-snapshot': { kind: 'reactor', snapshot: false, outputPath: at('dist', `${slug}-no-snapshot.wasm`) },
    },
    dependsOn: [bundleTarget],
    cache: true,
    inputs: [...(ctx.options.inputs?.build ?? packageInputs('linker', 'core')), upstreamOutputs],
    outputs: ['{options.outputPath}'],
    metadata: { description: `${slug}.wasm: ${kind === 'reactor' ? `a reactor whose process() calls ${facts.entry}` : 'a command module that behaves like python'}; :command and :reactor choose the kind, :no-snapshot a reactor without its build-time snapshot.` },
  };
  targets.lock = {
    executor: LOCK_EXECUTOR,
    options: { project: root },
    configurations: { 'dry-run': { dryRun: true } },
    cache: false,
    metadata: { description: `Pins ${facts.name}'s dependencies and what they require (pure-Python wheels from the index, or what a registered step builds) in deps/sources.lock.json; :dry-run only prints them.` },
  };
  return { root, name: facts.name, projectType: 'application' as const, implicitDependencies, targets };
}
