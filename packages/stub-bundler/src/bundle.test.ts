import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifest, requireBuildPython } from '@wasi-pystack/core';
import { bundle } from './index';

const WORKSPACE = resolve(__dirname, '..', '..', '..');

describe('bundle() with a bad project', () => {
  it('fails with one clear error and writes nothing', async () => {
    const project = mkdtempSync(join(tmpdir(), 'badproj-'));
    mkdirSync(join(project, 'src', 'bad'), { recursive: true });
    writeFileSync(join(project, 'pyproject.toml'), '[project]\nname = "bad"\ndependencies = "six"\n\n[tool.wasi-pystack]\nentry = "bad:main"\n');
    const outDir = join(project, 'out');
    await expect(bundle({ workspaceRoot: WORKSPACE, inputs: [join(WORKSPACE, 'dist', 'python-wasi')], project, outDir })).rejects.toThrowError(
      `${join(project, 'pyproject.toml')}: [project] dependencies must be a list\nFix: write dependencies = ["name==version", ...]`,
    );
    expect(existsSync(outDir)).toBe(false);
  });
});

describe("make_bundle.py with a module that does not compile", () => {
  // olefile 0.47's wheel ships olefile2.py, Python 2 only: pip installs it and importing it raises
  // SyntaxError. The bundle does what CPython does; a project's own module that does not compile
  // stays an error.
  const python = requireBuildPython(readManifest(join(WORKSPACE, 'dist', 'python-wasi')));
  const MAKE_BUNDLE = join(__dirname, 'python', 'make_bundle.py');

  function plan(dir: string, roots: unknown[], wheels: unknown[]) {
    const file = join(dir, 'plan.json');
    writeFileSync(file, JSON.stringify({ output: join(dir, 'bundle.bin'), listing: join(dir, 'files.json'), compress: false, roots, wheels }));
    return spawnSync(python, [MAKE_BUNDLE, file], { encoding: 'utf8' });
  }

  it("bundles a wheel's module that does not compile as one that raises its SyntaxError when imported", () => {
    const dir = mkdtempSync(join(tmpdir(), 'bundle-syntax-'));
    const wheel = join(dir, 'legacy-1.0-py3-none-any.whl');
    spawnSync(python, ['-c', `import zipfile\nz = zipfile.ZipFile(${JSON.stringify(wheel)}, "w")\nz.writestr("legacy/__init__.py", "X = 1\\n")\nz.writestr("legacy/old.py", "Y = 0x10L\\n")\nz.close()`]);
    const r = plan(dir, [], [{ path: wheel, origin: 'legacy' }]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/note: legacy\/old\.pyc does not compile \(invalid hexadecimal literal \(line 1\)\); importing it raises that SyntaxError, as under CPython/);
    expect(JSON.parse(readFileSync(join(dir, 'files.json'), 'utf8'))['legacy/old.pyc']).toMatchObject({ origin: 'legacy', syntaxError: 'invalid hexadecimal literal (line 1)' });
    // The stored code object raises the same SyntaxError, naming the file and line.
    const run = spawnSync(python, ['-c', [
      'import marshal, sys',
      `data = open(${JSON.stringify(join(dir, 'bundle.bin'))}, "rb").read()`,
      'count = int.from_bytes(data[8:12], "little"); size = int.from_bytes(data[12:16], "little"); at = 16; base = 16 + size',
      'for _ in range(count):',
      '    n = int.from_bytes(data[at:at+2], "little"); path = data[at+2:at+2+n].decode(); at += 2 + n + 1',
      '    off = int.from_bytes(data[at:at+4], "little"); stored = int.from_bytes(data[at+4:at+8], "little"); at += 12',
      '    if path == "legacy/old.pyc":',
      '        try: exec(marshal.loads(data[base+off:base+off+stored]))',
      '        except SyntaxError as e: print(type(e).__name__, e.msg, e.filename, e.lineno)',
    ].join('\n')], { encoding: 'utf8' });
    expect(run.stdout.trim(), run.stderr).toBe('SyntaxError invalid hexadecimal literal /bundle/legacy/old.py 1');
  });

  it("refuses a project's own module that does not compile", () => {
    const dir = mkdtempSync(join(tmpdir(), 'bundle-syntax-'));
    mkdirSync(join(dir, 'src', 'app'), { recursive: true });
    writeFileSync(join(dir, 'src', 'app', '__init__.py'), 'def broken(:\n');
    const r = plan(dir, [{ path: join(dir, 'src'), origin: 'project' }], []);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/1 problem\(s\) while bundling:\n {2}project: app\/__init__\.py:1: invalid syntax/);
  });
});
