import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SourceLock } from '@wasi-pystack/core';
import { readProject } from './project';

const lock: SourceLock = {
  path: 'deps/sources.lock.json',
  sources: { six: { name: 'six', version: '1.17.0', file: 'six-1.17.0-py2.py3-none-any.whl', sha256: 'a'.repeat(64), mirrors: ['pypi:six/x.whl'] } },
};

function project(pyproject: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'proj-'));
  mkdirSync(join(dir, 'src', 'demo'), { recursive: true });
  writeFileSync(join(dir, 'src', 'demo', '__init__.py'), 'def main():\n    return 0\n');
  writeFileSync(join(dir, 'pyproject.toml'), pyproject);
  return dir;
}

const valid = '[project]\nname = "demo"\ndependencies = ["six==1.17.0"]\n\n[tool.wasi-pystack]\nentry = "demo:main"\n';

describe('readProject', () => {
  it('reads name, entry, source folder and pinned dependencies', () => {
    const dir = project(valid);
    const p = readProject(dir, lock);
    expect(p).toMatchObject({ name: 'demo', entry: { module: 'demo', function: 'main' }, sourceDir: join(dir, 'src') });
    expect(p.dependencies.map((d) => d.name)).toEqual(['six']);
  });

  it('gives one clear error for invalid TOML', () => {
    const dir = project('[project\nname = "demo"\n');
    expect(() => readProject(dir, lock)).toThrowError(new RegExp(`^${join(dir, 'pyproject.toml')}: invalid TOML: .*\\nFix: correct the TOML syntax at the position given$`));
  });

  it('names a malformed entry and how to write it', () => {
    const dir = project('[project]\nname = "demo"\n[tool.wasi-pystack]\nentry = "demo main"\n');
    expect(() => readProject(dir, lock)).toThrowError(
      `${join(dir, 'pyproject.toml')}: [tool.wasi-pystack] entry is not "module:function"\nFix: write entry = "<module>:main" under [tool.wasi-pystack]`,
    );
  });

  it('needs no entry for command modules', () => {
    expect(readProject(project('[project]\nname = "demo"\n'), lock).entry).toBeUndefined();
  });

  it('rejects unpinned dependencies', () => {
    const dir = project(valid.replace('six==1.17.0', 'six>=1'));
    expect(() => readProject(dir, lock)).toThrowError(
      `${join(dir, 'pyproject.toml')}: dependency "six>=1" is not pinned as "name==version"\nFix: pin every dependency exactly; the bundle is built from the lock file`,
    );
  });

  it('rejects dependencies that the lock file does not pin', () => {
    const dir = project(valid.replace('six==1.17.0', 'six==1.16.0'));
    expect(() => readProject(dir, lock)).toThrowError(
      `${join(dir, 'pyproject.toml')}: dependency six==1.16.0 is not pinned in deps/sources.lock.json (the lock pins six 1.17.0)\n` +
        "Fix: depend on six==1.17.0, or pin it with the lock command: npx nx run demo:lock (or npx wasi-pystack-lock in the project's folder)",
    );
    const unknown = project(valid.replace('six==1.17.0', 'polars==1.0'));
    expect(() => readProject(unknown, lock)).toThrowError("Fix: pin it with the lock command: npx nx run demo:lock (or npx wasi-pystack-lock in the project's folder)");
  });

  it('keeps dependencies with compiled code apart: a build step provides them', () => {
    const withPandas: SourceLock = { ...lock, sources: { ...lock.sources, pandas: { name: 'pandas', version: '2.3.3', file: 'pandas-2.3.3.tar.gz', sha256: 'b'.repeat(64), mirrors: ['pypi:p'] } } };
    const p = readProject(project(valid.replace('"six==1.17.0"', '"Pandas==2.3.3"')), withPandas);
    expect(p.dependencies).toEqual([]);
    expect(p.builtDependencies.map((d) => `${d.name} ${d.version}`)).toEqual(['pandas 2.3.3']);
  });

  it('reads preimport and warmup for the snapshot, and names malformed ones', () => {
    const p = readProject(project(valid + 'preimport = ["json", "xml.dom"]\nwarmup = "demo:main"\n'), lock);
    expect(p.preimport).toEqual(['json', 'xml.dom']);
    expect(p.warmup).toEqual({ module: 'demo', function: 'main' });
    expect(() => readProject(project(valid + 'preimport = "json"\n'), lock)).toThrowError('[tool.wasi-pystack] preimport must be a list of module names');
    expect(() => readProject(project(valid + 'warmup = "demo"\n'), lock)).toThrowError('[tool.wasi-pystack] warmup is not "module:function"');
  });

  it('reads optimize (python -O / -OO) and names a level that is not 0, 1 or 2', () => {
    expect(readProject(project(valid), lock).optimize).toBeUndefined();
    expect(readProject(project(valid + 'optimize = 2\n'), lock).optimize).toBe(2);
    expect(() => readProject(project(valid + 'optimize = "OO"\n'), lock)).toThrowError('[tool.wasi-pystack] optimize is "OO", not 0, 1 or 2\nFix: write optimize = 2');
  });
});
