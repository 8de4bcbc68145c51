// Steps that installed packages ship. A package that builds a step is data: its package.json names
// its step file (`"wasi-pystack": { "step": "wasi-step.json" }`), beside the recipe and patches the
// step file names. Nothing else, and no TypeScript: the registry finds it, and core builds it.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { WasiPystackError } from '../errors';
import { buildRegisteredStep, PACKAGE_STEP_FIELD, readStepFile, type BuildStepOptions, type RegisteredStep } from './step-registry';

export { PACKAGE_STEP_FIELD };

/** node_modules/<name>/package.json in one of `from` or a folder above it (as Node resolves a package). */
export function findPackageJson(name: string, from: string[]): string | undefined {
  for (const start of from) {
    for (let dir = start; ; dir = dirname(dir)) {
      const candidate = join(dir, 'node_modules', name, 'package.json');
      if (existsSync(candidate)) return realpathSync(candidate);
      if (dirname(dir) === dir) break;
    }
  }
  return undefined;
}

/**
 * The step file an installed package names in its package.json, or undefined when it names none
 * (a package that ships no step). A field naming a file that is not there is an error.
 */
export function packagedStepFile(name: string, from: string[]): string | undefined {
  const manifest = findPackageJson(name, from);
  if (!manifest) return undefined;
  const step = (JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, { step?: unknown } | undefined>)[PACKAGE_STEP_FIELD]?.step;
  if (step === undefined) return undefined;
  const fix = `reinstall ${name}, or fix its "${PACKAGE_STEP_FIELD}": { "step": "wasi-step.json" }`;
  if (typeof step !== 'string') throw new WasiPystackError(`${name}'s package.json has "${PACKAGE_STEP_FIELD}": { "step": ${JSON.stringify(step)} }, which is not a file name`, fix);
  const file = join(dirname(manifest), step);
  if (!existsSync(file)) throw new WasiPystackError(`${name}'s package.json names the step file "${step}" in "${PACKAGE_STEP_FIELD}", and ${file} does not exist`, fix);
  return file;
}

/** The step an installed package ships, looked up from `from` (default: the working folder). */
export function packagedStep(name: string, from: string[] = [process.cwd()]): RegisteredStep {
  const file = packagedStepFile(name, from);
  if (!file) {
    const installed = findPackageJson(name, from) !== undefined;
    throw new WasiPystackError(
      installed ? `${name} ships no step: its package.json has no "${PACKAGE_STEP_FIELD}": { "step": ... } field` : `${name} is not installed (looked in node_modules from ${from.join(', ')})`,
      installed ? `name a package whose package.json has "${PACKAGE_STEP_FIELD}": { "step": ... }` : `npm install ${name}`,
    );
  }
  return readStepFile(file);
}

/**
 * Builds the step an installed package ships (a package that is data: its package.json names its step file), with its
 * upstream steps' output folders by step name; see buildRegisteredStep.
 */
export function buildPackagedStep(name: string, options: BuildStepOptions): Promise<{ outDir: string; version: string }> {
  return buildRegisteredStep(packagedStep(name, [options.workspaceRoot, process.cwd()]), options);
}
