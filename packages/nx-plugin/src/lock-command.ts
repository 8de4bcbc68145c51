import { existsSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { lockProject, WasiPystackError, type PackageIndex } from '@wasi-pystack/core';
import { readPyprojectFacts, workspaceRegistry, workspaceStepFiles } from './plugin';

/**
 * The lock command of a project folder: its pyproject.toml's pins, resolved against the registry this
 * workspace sees (the packages' steps and its own), written into the workspace's lock. The `lock`
 * target (nx run <project>:lock) and the `wasi-pystack-lock` command both run it.
 */
export async function lockCommand(workspaceRoot: string, projectDir: string, options: { dryRun?: boolean; index?: PackageIndex } = {}) {
  const dir = isAbsolute(projectDir) ? projectDir : join(workspaceRoot, projectDir);
  const pyproject = join(dir, 'pyproject.toml');
  if (!existsSync(pyproject)) throw new WasiPystackError(`${pyproject} does not exist`, 'name the folder of a project that has a pyproject.toml');
  const facts = readPyprojectFacts(pyproject);
  if (!facts) throw new WasiPystackError(`${pyproject} has no [project] name or no [tool.wasi-pystack] table`, 'add them (README.md, "Your own project")');
  return lockProject({ workspaceRoot, dependencies: facts.dependencies, project: facts.name || relative(workspaceRoot, dir), registry: workspaceRegistry(workspaceRoot, workspaceStepFiles(workspaceRoot)), dryRun: options.dryRun, index: options.index });
}
