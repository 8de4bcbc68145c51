import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLock } from '@wasi-pystack/core';
import { inferProject, stepsFor } from './infer';
import { createNodes, findRecipeInPackages, readPyprojectFacts } from './plugin';

const WORKSPACE = resolve(__dirname, '..', '..', '..');
const lock = readLock(WORKSPACE);

describe('stepsFor', () => {
  it('chooses the steps from the pinned dependencies: numpy brings numpy-wasi, pandas both', () => {
    const steps = (deps: string[]) => stepsFor(lock, deps).map((s) => `${s.step}:${s.source}`);
    expect(steps(['six==1.17.0'])).toEqual(['python-wasi:cpython']);
    expect(steps(['numpy==2.4.0'])).toEqual(['python-wasi:cpython', 'numpy-wasi:numpy']);
    expect(steps(['Pandas == 2.3.3'])).toEqual(['python-wasi:cpython', 'numpy-wasi:numpy', 'pandas-wasi:pandas']);
    expect(steps(['pandas==3.1.1'])).toEqual(['python-wasi:cpython', 'numpy-wasi:numpy-2.5', 'pandas-wasi:pandas-3']);
  });

  it('finds the recipe that builds a pinned version: none for the defaults, numpy-2.5 and pandas-3.0 for pandas 3', () => {
    expect(findRecipeInPackages('numpy-wasi', 'numpy')).toBeUndefined();
    expect(findRecipeInPackages('numpy-wasi', 'numpy-2.5')).toBe('numpy-2.5');
    expect(findRecipeInPackages('pandas-wasi', 'pandas-3')).toBe('pandas-3.0');
  });

  it("gives a pandas 3 project its own compile targets with those recipes, even beside this workspace's step projects", () => {
    const stepProjects = { 'python-wasi': { project: 'python-wasi', outputPath: 'dist/python-wasi' }, 'numpy-wasi': { project: 'numpy-wasi', outputPath: 'dist/numpy-wasi' }, 'pandas-wasi': { project: 'pandas-wasi', outputPath: 'dist/pandas-wasi' } };
    const p = inferProject('apps/p3/pyproject.toml', { name: 'p3', dependencies: ['pandas==3.1.1'] }, lock, { stepProjects }, findRecipeInPackages);
    expect(p.implicitDependencies).toEqual(['python-wasi']);
    expect(p.targets['compile-numpy-wasi'].options).toEqual({ pythonWasi: 'dist/python-wasi', outputPath: 'apps/p3/dist/steps/numpy-wasi', recipe: 'numpy-2.5' });
    expect(p.targets['compile-pandas-wasi'].options).toMatchObject({ numpyWasi: 'apps/p3/dist/steps/numpy-wasi', recipe: 'pandas-3.0' });
  });
});

describe('inferProject', () => {
  const facts = { name: 'report', entry: 'report:main', dependencies: ['pandas==2.3.3'] };

  it('gives a project of its own compile targets when the workspace has no step projects', () => {
    const p = inferProject('apps/report/pyproject.toml', facts, lock);
    expect(Object.keys(p.targets)).toEqual(['compile-python-wasi', 'compile-numpy-wasi', 'compile-pandas-wasi', 'bundle', 'build']);
    expect(p.targets['compile-pandas-wasi']).toMatchObject({
      executor: '@wasi-pystack/pandas-wasi:compile',
      options: { pythonWasi: 'apps/report/dist/steps/python-wasi', numpyWasi: 'apps/report/dist/steps/numpy-wasi', outputPath: 'apps/report/dist/steps/pandas-wasi' },
      dependsOn: ['compile-python-wasi', 'compile-numpy-wasi'],
    });
    expect(p.targets.build).toMatchObject({
      executor: '@wasi-pystack/linker:link',
      options: { kind: 'reactor', outputPath: 'apps/report/dist/report.wasm', bundle: 'apps/report/dist/bundle' },
      configurations: { command: { kind: 'command', outputPath: 'apps/report/dist/report-command.wasm' } },
    });
    expect(p.targets.bundle.inputs).toContainEqual({ externalDependencies: ['@wasi-pystack/stub-bundler', '@wasi-pystack/core'] });
  });

  it("depends on the workspace's step projects when it has them", () => {
    const p = inferProject('test-projects/report/pyproject.toml', facts, lock, {
      stepProjects: { 'python-wasi': { project: 'python-wasi', outputPath: 'dist/python-wasi' }, 'numpy-wasi': { project: 'numpy-wasi', outputPath: 'dist/numpy-wasi' }, 'pandas-wasi': { project: 'pandas-wasi', outputPath: 'dist/pandas-wasi' } },
      inputs: { bundle: ['bundlerStep'] },
    });
    expect(Object.keys(p.targets)).toEqual(['bundle', 'build']);
    expect(p.implicitDependencies).toEqual(['python-wasi', 'numpy-wasi', 'pandas-wasi']);
    expect(p.targets.bundle.options).toEqual({ inputs: ['dist/python-wasi', 'dist/numpy-wasi', 'dist/pandas-wasi'], project: 'test-projects/report', outputPath: 'test-projects/report/dist/bundle' });
    expect(p.targets.bundle.inputs).toEqual(['bundlerStep', { dependentTasksOutputFiles: '**/*', transitive: true }, '{projectRoot}/**/*', '!{projectRoot}/dist/**/*']);
  });

  it('builds a command module by default when the project has no entry', () => {
    const p = inferProject('tool/pyproject.toml', { name: 'tool', dependencies: [] }, lock);
    expect(p.targets.build).toMatchObject({ options: { kind: 'command', outputPath: 'tool/dist/tool.wasm' } });
  });
});

describe('createNodes', () => {
  it('makes projects only of pyproject.toml files with [tool.wasi-pystack]', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nxplugin-'));
    writeFileSync(join(root, 'pyproject.toml'), '[project]\nname = "other"\n');
    expect(readPyprojectFacts(join(root, 'pyproject.toml'))).toBeUndefined();
    const [, createNodesFunction] = createNodes;
    const results = await createNodesFunction(['test-projects/hello/pyproject.toml', 'pyproject.toml'], {}, { workspaceRoot: WORKSPACE, nxJsonConfiguration: {}, configFiles: [] } as never);
    expect(results.map(([file]) => file)).toEqual(['test-projects/hello/pyproject.toml']);
    expect(results[0][1].projects['test-projects/hello'].name).toBe('hello');
  });
});
