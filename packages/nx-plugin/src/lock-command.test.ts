import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IndexFile, PackageIndex } from '@wasi-pystack/core';
import { lockCommand } from './lock-command';

const WORKSPACE = resolve(__dirname, '..', '..', '..');
const sha = (c: string) => c.repeat(64);

/** html5lib 1.1 and webencodings, as a PEP 691 index would list them (six is in the lock already). */
const index: PackageIndex = {
  async files(project: string): Promise<IndexFile[]> {
    const files: Record<string, string[]> = { html5lib: ['html5lib-1.1-py2.py3-none-any.whl'], webencodings: ['webencodings-0.5.1-py2.py3-none-any.whl'], pandas: ['pandas-2.3.3-cp313-cp313-manylinux_2_17_x86_64.whl'] };
    return (files[project] ?? []).map((f) => ({ filename: f, url: `https://index.test/${f}`, sha256: sha('e'), hasMetadata: true, yanked: false }));
  },
  async metadata(file: IndexFile) {
    return file.filename.startsWith('html5lib') ? 'Name: html5lib\nRequires-Dist: six>=1.9\nRequires-Dist: webencodings\n' : 'Name: x\n';
  },
};

function scratch(dependencies: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'lock-'));
  cpSync(join(WORKSPACE, 'deps'), join(root, 'deps'), { recursive: true });
  // Without what these tests pin, whether or not the workspace's lock has it already.
  const lockFile = join(root, 'deps', 'sources.lock.json');
  const lock = JSON.parse(readFileSync(lockFile, 'utf8'));
  for (const key of ['html5lib', 'webencodings']) delete lock.sources[key];
  writeFileSync(lockFile, `${JSON.stringify(lock, null, 2)}\n`);
  mkdirSync(join(root, 'app'));
  writeFileSync(join(root, 'app', 'pyproject.toml'), `[project]\nname = "app"\ndependencies = [${dependencies.map((d) => JSON.stringify(d)).join(', ')}]\n\n[tool.wasi-pystack]\n`);
  return root;
}

describe('the lock command', () => {
  it("pins a project's pure dependencies and what they require in the workspace's lock; a step's package comes from the lock as it is", async () => {
    const root = scratch(['pandas==2.3.3', 'html5lib==1.1']);
    const { added } = await lockCommand(root, 'app', { index });
    expect(added.map((a) => `${a.key}==${a.entry.version}`)).toEqual(['html5lib==1.1', 'webencodings==0.5.1']);
    const lock = JSON.parse(readFileSync(join(root, 'deps', 'sources.lock.json'), 'utf8'));
    expect(lock.sources.html5lib).toEqual({ version: '1.1', file: 'html5lib-1.1-py2.py3-none-any.whl', sha256: sha('e'), mirrors: ['pypi:html5lib/html5lib-1.1-py2.py3-none-any.whl'], requires: ['six', 'webencodings'] });
    // Run again: nothing left to pin.
    expect((await lockCommand(root, 'app', { index })).added).toEqual([]);
  });

  it('leaves the lock as it is on a dry run, and names a folder without a project', async () => {
    const root = scratch(['html5lib==1.1']);
    const before = readFileSync(join(root, 'deps', 'sources.lock.json'), 'utf8');
    expect((await lockCommand(root, 'app', { index, dryRun: true })).added).toHaveLength(2);
    expect(readFileSync(join(root, 'deps', 'sources.lock.json'), 'utf8')).toBe(before);
    await expect(lockCommand(root, 'nowhere', { index })).rejects.toThrowError(/nowhere\/pyproject\.toml does not exist\nFix: name the folder of a project that has a pyproject\.toml/);
  });
});
