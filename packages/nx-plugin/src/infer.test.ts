import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { readLock, stepsForDependencies } from '@wasi-pystack/core';
import { inferProject, inferStepProject, type InferContext } from './infer';
import { createNodes, packagedStepFiles, readPyprojectFacts, workspaceRegistry } from './plugin';

const WORKSPACE = resolve(__dirname, '..', '..', '..');
const lock = readLock(WORKSPACE);
const registry = workspaceRegistry(WORKSPACE, []);
const withSteps: InferContext = { workspaceRoot: WORKSPACE, registry, stepProjects: new Map([...registry.steps.values()].map((s) => [s.step, s.file])), options: { inputs: { bundle: ['bundlerStep'] } } };
const withoutSteps: InferContext = { workspaceRoot: WORKSPACE, registry, stepProjects: new Map(), options: {} };

describe('the registry seen by the plugin', () => {
  it("holds the packages' steps in build order", () => {
    expect([...registry.steps.keys()]).toEqual(['python-wasi', 'numpy-wasi', 'bottleneck-wasi', 'numexpr-wasi', 'pandas-wasi']);
  });

  it('chooses the steps and their configurations from the pinned dependencies', () => {
    const steps = (deps: string[]) => stepsForDependencies(registry, lock, deps).map((s) => `${s.step}:${s.configuration}:${s.source}`);
    expect(steps(['six==1.17.0'])).toEqual(['python-wasi:default:cpython']);
    expect(steps(['numpy==2.4.0'])).toEqual(['python-wasi:default:cpython', 'numpy-wasi:default:numpy']);
    expect(steps(['Pandas == 2.3.3'])).toEqual(['python-wasi:default:cpython', 'numpy-wasi:default:numpy', 'pandas-wasi:default:pandas']);
    expect(steps(['pandas==2.3.3', 'numexpr==2.14.2', 'bottleneck==1.6.0'])).toEqual(['python-wasi:default:cpython', 'numpy-wasi:default:numpy', 'bottleneck-wasi:default:bottleneck', 'numexpr-wasi:default:numexpr', 'pandas-wasi:default:pandas']);
    expect(steps(['pandas==3.1.1'])).toEqual(['python-wasi:default:cpython', 'numpy-wasi:pandas3:numpy-2.5', 'pandas-wasi:pandas3:pandas-3']);
  });
});

describe('packaged steps are found from data', () => {
  const stepPackage = (root: string, name: string, field: unknown) => {
    const dir = join(root, 'node_modules', name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', 'wasi-pystack': field }));
    return dir;
  };

  it("takes a dependency's step file from its package.json, with no list in the plugin", () => {
    const root = mkdtempSync(join(tmpdir(), 'packaged-'));
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'w', dependencies: { 'demo-wasi': '1.0.0' } }));
    const dir = stepPackage(root, 'demo-wasi', { step: 'wasi-step.json' });
    writeFileSync(join(dir, 'wasi-step.json'), JSON.stringify({ format: 'wasi-pystack-step/1', step: 'demo-wasi', description: 'a demo', builder: 'c-extension', upstream: ['python-wasi'], configurations: { default: { recipe: 'demo.json' } } }));
    const files = packagedStepFiles(root);
    expect(files.at(-1)).toBe(join(realpathSync(dir), 'wasi-step.json'));
    expect([...workspaceRegistry(root, []).steps.keys()]).toContain('demo-wasi');
  });

  it('names the package and the field when the step file it names is missing', () => {
    const root = mkdtempSync(join(tmpdir(), 'packaged-'));
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'w', devDependencies: { 'broken-wasi': '1.0.0' } }));
    const dir = stepPackage(root, 'broken-wasi', { step: 'missing.json' });
    expect(() => packagedStepFiles(root)).toThrow(`broken-wasi's package.json names the step file "missing.json" in "wasi-pystack", and ${join(realpathSync(dir), 'missing.json')} does not exist\nFix: reinstall broken-wasi, or fix its "wasi-pystack": { "step": "wasi-step.json" }`);
  });
});

describe('inferStepProject', () => {
  it('makes compile, bundle and build targets of a step file, with its configurations', () => {
    const p = inferStepProject(withSteps, registry.steps.get('pandas-wasi')!);
    expect(p.name).toBe('pandas-wasi');
    expect(p.root).toBe('packages/pandas-wasi');
    expect(p.implicitDependencies).toEqual(['python-wasi', 'numpy-wasi']);
    expect(p.targets.compile).toMatchObject({
      executor: '@wasi-pystack/nx-plugin:compile',
      options: { step: 'packages/pandas-wasi/wasi-step.json', outputPath: 'dist/pandas-wasi', upstream: { 'python-wasi': 'dist/python-wasi', 'numpy-wasi': 'dist/numpy-wasi' } },
      configurations: { pandas3: { configuration: 'pandas3', outputPath: 'dist/pandas3/pandas-wasi', upstream: { 'python-wasi': 'dist/python-wasi', 'numpy-wasi': 'dist/pandas3/numpy-wasi' } } },
      dependsOn: [{ projects: ['python-wasi'], target: 'compile' }, { projects: ['numpy-wasi'], target: 'compile' }],
    });
    expect(p.targets.build).toMatchObject({ options: { inputs: ['dist/python-wasi', 'dist/numpy-wasi', 'dist/pandas-wasi'], outputPath: 'dist/modules/python-pandas.wasm' }, configurations: { pandas3: { outputPath: 'dist/modules/pandas3/python-pandas.wasm' }, 'exceptions-none': { exceptions: 'none', outputPath: 'dist/modules/exceptions-none/python-pandas.wasm' }, 'exceptions-legacy': { exceptions: 'legacy' } } });
  });

  it('builds a step\'s own C libraries (NumPy\'s BLIS) in a target that waits for no upstream step', () => {
    const numpy = inferStepProject(withSteps, registry.steps.get('numpy-wasi')!);
    expect(numpy.targets.libraries).toMatchObject({ executor: '@wasi-pystack/nx-plugin:libraries', options: { step: 'packages/numpy-wasi/wasi-step.json' }, configurations: { pandas3: { configuration: 'pandas3' } }, outputs: [] });
    expect(numpy.targets.libraries.dependsOn).toBeUndefined();
    expect(numpy.targets.compile.dependsOn).toEqual(['libraries', { projects: ['python-wasi'], target: 'compile' }]);
    // CPython builds its libraries beside its build Python itself; pandas has no libraries of its own.
    expect(inferStepProject(withSteps, registry.steps.get('python-wasi')!).targets.libraries).toBeUndefined();
    expect(inferStepProject(withSteps, registry.steps.get('pandas-wasi')!).targets.libraries).toBeUndefined();
  });

  it("builds a workspace step's upstream steps on its own project when they are no projects there", () => {
    const root = mkdtempSync(join(tmpdir(), 'steps-'));
    mkdirSync(join(root, 'recipes', 'demo'), { recursive: true });
    const file = join(root, 'recipes', 'demo', 'wasi-step.json');
    writeFileSync(file, JSON.stringify({ format: 'wasi-pystack-step/1', step: 'demo', description: 'a demo', builder: 'c-extension', upstream: ['python-wasi'], configurations: { default: { recipe: 'demo.json' } } }));
    const reg = workspaceRegistry(root, [file]);
    const p = inferStepProject({ workspaceRoot: root, registry: reg, stepProjects: new Map([['demo', file]]), options: {} }, reg.steps.get('demo')!);
    expect(Object.keys(p.targets)).toEqual(['compile-python-wasi', 'compile']);
    expect(p.targets.compile).toMatchObject({
      executor: '@wasi-pystack/nx-plugin:compile',
      options: { step: 'recipes/demo/wasi-step.json', outputPath: 'dist/demo', upstream: { 'python-wasi': 'recipes/demo/dist/steps/python-wasi' } },
      dependsOn: ['compile-python-wasi'],
    });
  });

  it("reports a step whose recipe does not read (in the target's metadata and on stderr) instead of swallowing it", () => {
    const root = mkdtempSync(join(tmpdir(), 'steps-'));
    mkdirSync(join(root, 'recipes', 'demo'), { recursive: true });
    const file = join(root, 'recipes', 'demo', 'wasi-step.json');
    writeFileSync(file, JSON.stringify({ format: 'wasi-pystack-step/1', step: 'demo', description: 'a demo', builder: 'meson', upstream: ['python-wasi'], configurations: { default: { recipe: 'missing.json' } } }));
    const reg = workspaceRegistry(root, [file]);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const p = inferStepProject({ workspaceRoot: root, registry: reg, stepProjects: new Map([['demo', file]]), options: {} }, reg.steps.get('demo')!);
    const problems = (p.targets.compile as { metadata: { problems: string[] } }).metadata.problems;
    expect(warn).toHaveBeenCalledWith(`[wasi-pystack] ${problems[0]}`);
    warn.mockRestore();
    expect(problems).toEqual([expect.stringMatching(/^demo: .*configurations\/default\/recipe names .*missing\.json, which does not exist$/)]);
  });

  it('says when a pyproject.toml with [tool.wasi-pystack] is not valid TOML, and stays quiet about other tools\' files', () => {
    const root = mkdtempSync(join(tmpdir(), 'nxplugin-'));
    writeFileSync(join(root, 'ours.toml'), '[project]\nname = "x\n[tool.wasi-pystack]\n');
    writeFileSync(join(root, 'theirs.toml'), '[project\n');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(readPyprojectFacts(join(root, 'ours.toml'))).toBeUndefined();
    expect(readPyprojectFacts(join(root, 'theirs.toml'))).toBeUndefined();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatch(/ours\.toml is not valid TOML, so it makes no project: /);
    warn.mockRestore();
  });
});

describe('inferProject', () => {
  const facts = { name: 'report', entry: 'report:main', dependencies: ['pandas==2.3.3'] };

  it('gives a project of its own compile targets when the workspace has no step projects', () => {
    const p = inferProject('apps/report/pyproject.toml', facts, lock, withoutSteps);
    expect(Object.keys(p.targets)).toEqual(['compile-python-wasi', 'compile-numpy-wasi', 'compile-pandas-wasi', 'bundle', 'build', 'lock']);
    expect(p.targets['compile-pandas-wasi']).toMatchObject({
      executor: '@wasi-pystack/nx-plugin:compile',
      options: { step: 'packages/pandas-wasi/wasi-step.json', upstream: { 'python-wasi': 'apps/report/dist/steps/python-wasi', 'numpy-wasi': 'apps/report/dist/steps/numpy-wasi' }, outputPath: 'apps/report/dist/steps/pandas-wasi' },
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
    const p = inferProject('test-projects/report/pyproject.toml', facts, lock, withSteps);
    expect(Object.keys(p.targets)).toEqual(['bundle', 'build', 'lock']);
    expect(p.targets.lock).toMatchObject({ executor: '@wasi-pystack/nx-plugin:lock', options: { project: 'test-projects/report' }, cache: false, configurations: { 'dry-run': { dryRun: true } } });
    expect(p.implicitDependencies).toEqual(['python-wasi', 'numpy-wasi', 'pandas-wasi']);
    expect(p.targets.bundle.options).toEqual({ inputs: ['dist/python-wasi', 'dist/numpy-wasi', 'dist/pandas-wasi'], project: 'test-projects/report', outputPath: 'test-projects/report/dist/bundle' });
    expect(p.targets.bundle.inputs).toEqual(['bundlerStep', { dependentTasksOutputFiles: '**/*', transitive: true }, '{projectRoot}/**/*', '!{projectRoot}/dist/**/*']);
  });

  it("gives a pandas 3 project its own compile targets in that configuration, even beside this workspace's step projects", () => {
    const p = inferProject('apps/p3/pyproject.toml', { name: 'p3', dependencies: ['pandas==3.1.1'] }, lock, withSteps);
    expect(p.implicitDependencies).toEqual(['python-wasi']);
    expect(p.targets['compile-numpy-wasi'].options).toEqual({ step: 'packages/numpy-wasi/wasi-step.json', upstream: { 'python-wasi': 'dist/python-wasi' }, outputPath: 'apps/p3/dist/steps/numpy-wasi', configuration: 'pandas3' });
    expect(p.targets['compile-pandas-wasi'].options).toMatchObject({ upstream: { 'numpy-wasi': 'apps/p3/dist/steps/numpy-wasi' }, configuration: 'pandas3' });
  });

  it('builds a command module by default when the project has no entry', () => {
    const p = inferProject('tool/pyproject.toml', { name: 'tool', dependencies: [] }, lock, withoutSteps);
    expect(p.targets.build).toMatchObject({ options: { kind: 'command', outputPath: 'tool/dist/tool.wasm' } });
  });
});

describe('createNodes', () => {
  it('makes projects of step files and of pyproject.toml files with [tool.wasi-pystack] only', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nxplugin-'));
    writeFileSync(join(root, 'pyproject.toml'), '[project]\nname = "other"\n');
    expect(readPyprojectFacts(join(root, 'pyproject.toml'))).toBeUndefined();
    const [, createNodesFunction] = createNodes;
    const results = await createNodesFunction(['packages/numpy-wasi/wasi-step.json', 'test-projects/hello/pyproject.toml', 'pyproject.toml'], {}, { workspaceRoot: WORKSPACE, nxJsonConfiguration: {}, configFiles: [] } as never);
    expect(results.map(([file]) => file)).toEqual(['packages/numpy-wasi/wasi-step.json', 'test-projects/hello/pyproject.toml']);
    expect((results[0][1].projects['packages/numpy-wasi'] as { name: string }).name).toBe('numpy-wasi');
    expect((results[1][1].projects['test-projects/hello'] as { name: string }).name).toBe('hello');
  });
});
