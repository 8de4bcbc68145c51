import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packagedStep, packagedStepFile } from './packaged-steps';

/** A folder with node_modules/<name> holding a package.json (with `field` as its "wasi-pystack") and a step file. */
function installed(name: string, field?: unknown): string {
  const root = mkdtempSync(join(tmpdir(), 'packaged-steps-'));
  const dir = join(root, 'node_modules', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', ...(field === undefined ? {} : { 'wasi-pystack': field }) }));
  writeFileSync(join(dir, 'wasi-step.json'), JSON.stringify({ format: 'wasi-pystack-step/1', step: 'demo-wasi', description: 'a demo', builder: 'setuptools', upstream: ['python-wasi'], configurations: { default: { recipe: 'recipes/demo.json' } } }));
  return root;
}

describe('packaged steps', () => {
  it("reads the step file a package's package.json names", () => {
    const root = installed('@scope/demo-wasi', { step: 'wasi-step.json' });
    expect(packagedStep('@scope/demo-wasi', [root])).toMatchObject({ step: 'demo-wasi', builder: 'setuptools', upstream: ['python-wasi'] });
  });

  it('a package without the field ships no step; one that is not installed is named with the fix', () => {
    const root = installed('plain', undefined);
    expect(packagedStepFile('plain', [root])).toBeUndefined();
    expect(() => packagedStep('plain', [root])).toThrow('plain ships no step: its package.json has no "wasi-pystack": { "step": ... } field');
    expect(() => packagedStep('absent-wasi', [root])).toThrow(`absent-wasi is not installed (looked in node_modules from ${root})\nFix: npm install absent-wasi`);
  });

  it('a field that is not a file name is one error naming the package', () => {
    const root = installed('odd-wasi', { step: 42 });
    expect(() => packagedStepFile('odd-wasi', [root])).toThrow(`odd-wasi's package.json has "wasi-pystack": { "step": 42 }, which is not a file name`);
  });
});
