// The one compile executor of every step. nx-plugin's `compile` is it with the step file as an
// option; python-wasi, numpy-wasi and pandas-wasi expose it with their own step file, for a
// workspace that uses them without the plugin. Either way the build is buildRegisteredStep.
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { reportFailure, WasiPystackError } from '../errors';
import { stepOutputDir } from '../workspace-facts';
import { findPackageJson } from './packaged-steps';
import { buildRegisteredStep, readStepFile, type BuildStepOptions, type RegisteredStep } from './step-registry';

/** The options of a compile target (the executors' schema.json). Paths are relative to the workspace root. */
export interface StepExecutorOptions {
  /** The step file. Default: the step of the package whose executor this is. */
  step?: string;
  /** A configuration of the step ("default" when left out, or when the step has no such configuration). */
  configuration?: string;
  /** Where the output goes. Default: the step's folder in the configuration's dist layout. */
  outputPath?: string;
  /** Output folders of the steps it builds on, by step name. */
  upstream?: Record<string, string>;
  /** A recipe file of the step's builder that replaces the configuration's. */
  recipe?: string;
  jobs?: number;
}

const inWorkspace = (root: string, p: string) => (isAbsolute(p) ? p : join(root, p));

/**
 * The step file an option names: a path (relative to the workspace root), or an installed package's
 * file by the package's name ("@wasi-pystack/numpy-wasi/wasi-step.json", as nx-plugin names the
 * step files of packages that lie outside the workspace).
 */
export function resolveStepFileOption(option: string, workspaceRoot: string): string {
  const path = inWorkspace(workspaceRoot, option);
  if (existsSync(path) || isAbsolute(option)) return path;
  const parts = option.split('/');
  const name = parts.slice(0, option.startsWith('@') ? 2 : 1).join('/');
  const pkg = findPackageJson(name, [workspaceRoot, process.cwd()]);
  if (!pkg) throw new WasiPystackError(`the step file ${option} is neither a file in ${workspaceRoot} nor in an installed package`, `install ${name}, or set options.step to a step file that exists`);
  return join(dirname(pkg), ...parts.slice(name.split('/').length));
}

/** The step and its build options, every path made absolute; `packagedStepFile` stands in for options.step. */
export function normalizeStepExecutorOptions(options: StepExecutorOptions, workspaceRoot: string, packagedStepFile?: string): { step: RegisteredStep; build: BuildStepOptions } {
  const stepFile = options.step ? resolveStepFileOption(options.step, workspaceRoot) : packagedStepFile;
  if (!stepFile) throw new WasiPystackError('the compile executor was given no step', 'set options.step to the step file (wasi-step.json), relative to the workspace root');
  const step = readStepFile(stepFile);
  return {
    step,
    build: {
      workspaceRoot,
      configuration: options.configuration,
      outDir: inWorkspace(workspaceRoot, options.outputPath ?? stepOutputDir(step.step, options.configuration ?? 'default')),
      upstream: Object.fromEntries(Object.entries(options.upstream ?? {}).map(([k, v]) => [k, inWorkspace(workspaceRoot, v)])),
      recipe: options.recipe ? inWorkspace(workspaceRoot, options.recipe) : undefined,
      jobs: options.jobs,
    },
  };
}

/** An Nx executor that builds a step (the given step file, unless options.step names another). */
export function stepCompileExecutor(packagedStepFile?: string) {
  return async function compileExecutor(options: StepExecutorOptions, context: { root: string }): Promise<{ success: boolean }> {
    try {
      const { step, build } = normalizeStepExecutorOptions(options, context.root, packagedStepFile);
      const result = await buildRegisteredStep(step, build);
      console.log(`${step.step} ${result.version} for wasm32-wasip1 -> ${result.outDir}`);
      return { success: true };
    } catch (e) {
      reportFailure(e);
      return { success: false };
    }
  };
}
