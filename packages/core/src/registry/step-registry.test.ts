import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLock } from '../lock';
import { resolveStepFileOption } from './step-executor';
import { stepsForDependencies } from './project-steps';
import { buildsInterpreter, getStep, parseStepFile, readStepFile, stepRecipe, stepRegistry, upstreamClosure, withRecipe } from './step-registry';

const WORKSPACE = resolve(__dirname, '..', '..', '..', '..');
const PACKAGED = ['python-wasi', 'numpy-wasi', 'pandas-wasi'].map((p) => join(WORKSPACE, 'packages', p, 'wasi-step.json'));
const lock = readLock(WORKSPACE);

function stepFiles(steps: Record<string, unknown>[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'registry-'));
  return steps.map((s, i) => {
    mkdirSync(join(dir, String(i)));
    const file = join(dir, String(i), 'wasi-step.json');
    writeFileSync(file, JSON.stringify({ format: 'wasi-pystack-step/1', description: 'd', builder: 'meson', upstream: [], configurations: { default: { recipe: 'r.json' } }, ...s }));
    return file;
  });
}

describe('the step registry', () => {
  const registry = stepRegistry(PACKAGED);

  it("orders the packages' steps so that each comes after what it builds on", () => {
    expect([...registry.steps.keys()]).toEqual(['python-wasi', 'numpy-wasi', 'pandas-wasi']);
    expect(upstreamClosure(registry, 'pandas-wasi')).toEqual(['python-wasi', 'numpy-wasi']);
  });

  it("reads each configuration's recipe with the step's builder, pinned by the lock", () => {
    expect(stepRecipe(getStep(registry, 'python-wasi'), 'pandas3', lock).recipe.name).toBe('cpython-3.13');
    expect(stepRecipe(getStep(registry, 'numpy-wasi'), 'pandas3', lock).recipe.source).toBe('numpy-2.5');
    const pandas = stepRecipe(getStep(registry, 'pandas-wasi'), 'default', lock);
    expect(pandas.builder).toBe('meson');
    expect(pandas.builder === 'meson' && pandas.recipe.hooks).toEqual(['@wasi-pystack/cython-patcher']);
  });

  it('chooses the steps a project needs by its pins', () => {
    expect(stepsForDependencies(registry, lock, ['numpy==2.4.0', 'six==1.17.0']).map((s) => s.step)).toEqual(['python-wasi', 'numpy-wasi']);
    expect(stepsForDependencies(registry, lock, ['pandas==3.1.1']).map((s) => `${s.step}:${s.configuration}`)).toEqual(['python-wasi:default', 'numpy-wasi:pandas3', 'pandas-wasi:pandas3']);
  });

  it('names every problem of a step file by its key path', () => {
    const text = JSON.stringify({ format: 'wasi-pystack-step/1', step: 'My Step', builder: 'cmake', upstream: 'python-wasi', configurations: { pandas3: { recipe: 'x.json' } }, extra: 1 });
    expect(() => parseStepFile(text, 's.json')).toThrowError('s.json has 4 problem(s)\n  extra: unknown key\n  description: missing\n  builder: must be one of "cpython", "meson", "c-extension", "setuptools"\n  upstream: must be a list, not string\nFix: correct the keys named above (see StepFile in @wasi-pystack/core)');
    const named = JSON.stringify({ format: 'wasi-pystack-step/1', step: 'My Step', description: 'd', builder: 'meson', upstream: [], configurations: { pandas3: { recipe: 'x.json' } } });
    expect(() => parseStepFile(named, 's.json')).toThrowError("s.json has 2 problem(s)\n  step: 'My Step' must be lowercase letters, digits and dashes\n  configurations/default: missing");
  });

  it('refuses an upstream step nobody registers, and a cycle', () => {
    expect(() => stepRegistry(stepFiles([{ step: 'a', upstream: ['scipy-wasi'] }]))).toThrowError(/builds on scipy-wasi, which no step file registers/);
    expect(() => stepRegistry(stepFiles([{ step: 'a', upstream: ['b'] }, { step: 'b', upstream: ['a'] }]))).toThrowError('the steps build on each other in a cycle: a -> b -> a');
  });

  it('lets a later step file of the same name replace an earlier one (a workspace overrides a package)', () => {
    const [own] = stepFiles([{ step: 'numpy-wasi', upstream: ['python-wasi'], description: 'my numpy' }]);
    expect(getStep(stepRegistry([...PACKAGED, own]), 'numpy-wasi').description).toBe('my numpy');
  });

  it("says which builder a recipe is for when a step names another one's recipe", () => {
    const [file] = stepFiles([{ step: 'x', builder: 'c-extension', configurations: { default: { recipe: join(WORKSPACE, 'packages', 'numpy-wasi', 'recipes', 'numpy-2.4.json') } } }]);
    expect(() => stepRecipe(getStep(stepRegistry([file]), 'x'))).toThrowError(/is a recipe of format 'wasi-pystack-meson-recipe\/1', and the step's builder 'c-extension' takes 'wasi-pystack-c-extension-recipe\/1'/);
  });

  it('knows the interpreter step by its builder, and each packaged step by the package that ships it', () => {
    expect([...registry.steps.values()].filter(buildsInterpreter).map((s) => s.step)).toEqual(['python-wasi']);
    expect(getStep(registry, 'numpy-wasi').package).toBe('@wasi-pystack/numpy-wasi');
    const [loose] = stepFiles([{ step: 'loose' }]);
    expect(readStepFile(loose).package).toBeUndefined();
  });

  it('refuses a step file that names an executor: every step builds through the one step executor', () => {
    const text = JSON.stringify({ format: 'wasi-pystack-step/1', step: 'x', description: 'd', builder: 'meson', upstream: [], configurations: { default: { recipe: 'r.json' } }, executor: '@wasi-pystack/numpy-wasi:compile' });
    expect(() => parseStepFile(text, 's.json')).toThrowError('s.json has 1 problem(s)\n  executor: unknown key');
  });

  it("replaces a configuration's recipe with a given file (an experiment's overlay)", () => {
    const numpy = getStep(registry, 'numpy-wasi');
    const overlay = join(WORKSPACE, 'packages', 'numpy-wasi', 'recipes', 'numpy-2.5.json');
    expect(stepRecipe(withRecipe(numpy, undefined, overlay), 'default', lock).recipe.source).toBe('numpy-2.5');
    expect(stepRecipe(withRecipe(numpy, 'pandas3', undefined), 'pandas3', lock).recipe.source).toBe('numpy-2.5');
  });

  it('finds a step file by a path in the workspace or by the package that ships it', () => {
    expect(resolveStepFileOption('packages/numpy-wasi/wasi-step.json', WORKSPACE)).toBe(join(WORKSPACE, 'packages', 'numpy-wasi', 'wasi-step.json'));
    expect(readStepFile(resolveStepFileOption('@wasi-pystack/numpy-wasi/wasi-step.json', WORKSPACE)).step).toBe('numpy-wasi');
    expect(() => resolveStepFileOption('@wasi-pystack/scipy-wasi/wasi-step.json', WORKSPACE)).toThrowError(/neither a file in .* nor in an installed package\nFix: install @wasi-pystack\/scipy-wasi/);
  });

  it('refuses a recipe that names a cast allow list or a libraries file that is not there', () => {
    const dir = mkdtempSync(join(tmpdir(), 'registry-'));
    const recipe = JSON.parse(readFileSync(join(WORKSPACE, 'packages', 'numpy-wasi', 'recipes', 'numpy-2.4.json'), 'utf8'));
    writeFileSync(join(dir, 'r.json'), JSON.stringify({ ...recipe, patches: undefined, castAllowList: 'casts.allow', libraries: 'libraries/none.json' }));
    writeFileSync(join(dir, 'wasi-step.json'), JSON.stringify({ format: 'wasi-pystack-step/1', step: 'x', description: 'd', builder: 'meson', upstream: [], configurations: { default: { recipe: 'r.json' } } }));
    expect(() => stepRecipe(readStepFile(join(dir, 'wasi-step.json')))).toThrowError(`${join(dir, 'r.json')} has 2 problem(s)\n  castAllowList: ${join(dir, 'casts.allow')} does not exist\n  libraries: ${join(dir, 'libraries', 'none.json')} does not exist`);
  });
});
