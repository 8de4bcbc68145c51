// The lock command against the real index (PyPI, or the one this machine's pip is configured with):
// a pure package resolves with what it requires on WASI; a package whose dependency exists only
// compiled, with no step that builds it, is refused by name. Dry runs: the repository's lock is
// never written.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './runtime/runtimes';

function scratch(dependencies: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'lock-command-'));
  cpSync(join(ROOT, 'deps'), join(root, 'deps'), { recursive: true });
  // Without what these tests pin, whether or not the workspace's lock has it already.
  const lockFile = join(root, 'deps', 'sources.lock.json');
  const lock = JSON.parse(readFileSync(lockFile, 'utf8'));
  for (const key of ['html5lib', 'webencodings']) delete lock.sources[key];
  writeFileSync(lockFile, `${JSON.stringify(lock, null, 2)}\n`);
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'scratch', private: true }));
  mkdirSync(join(root, 'app'));
  writeFileSync(join(root, 'app', 'pyproject.toml'), `[project]\nname = "app"\ndependencies = [${dependencies.map((d) => JSON.stringify(d)).join(', ')}]\n\n[tool.wasi-pystack]\n`);
  return root;
}

const lock = (root: string, ...args: string[]) => {
  const r = spawnSync(process.execPath, [join(ROOT, 'packages', 'nx-plugin', 'dist', 'bin', 'lock.js'), ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
};

describe('wasi-pystack-lock against the index', () => {
  it('resolves html5lib 1.1 and what it requires on WASI (the newest webencodings; six from the lock), as pure wheels with their sha256', () => {
    const root = scratch(['html5lib==1.1']);
    const r = lock(root, '--dry-run', 'app');
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/app: would pin html5lib==1\.1, webencodings==\S+ in /);
    const r2 = lock(root, 'app');
    expect(r2.code, r2.out).toBe(0);
    const entry = JSON.parse(readFileSync(join(root, 'deps', 'sources.lock.json'), 'utf8')).sources.html5lib;
    expect(entry).toEqual({ version: '1.1', file: 'html5lib-1.1-py2.py3-none-any.whl', sha256: '0d78f8fde1c230e99fe37986a60526d7049ed4bf8a9fadbad5f00e22e58e041d', mirrors: ['pypi:html5lib/html5lib-1.1-py2.py3-none-any.whl'], requires: ['six', 'webencodings'] });
  });

  it('refuses jinja2 3.1.6, naming MarkupSafe, which exists only compiled and no step of this workspace builds', () => {
    const root = scratch(['jinja2==3.1.6']);
    const before = readFileSync(join(root, 'deps', 'sources.lock.json'), 'utf8');
    const r = lock(root, 'app');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/markupsafe \S+ \(required by jinja2 3\.1\.6\) has no pure-Python wheel, and no step builds it/);
    expect(r.out).toMatch(/Fix: add a step \(wasi-step\.json and a recipe\) that builds markupsafe for wasm32-wasip1/);
    expect(readFileSync(join(root, 'deps', 'sources.lock.json'), 'utf8')).toBe(before);
  });
});
