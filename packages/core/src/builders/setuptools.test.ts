import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageView } from './setuptools';
import { EXTENSION_RECORD_FORMAT, moduleNameOfWheelPath, unsupportedCalls } from './setuptools-extensions';
import { parseSetuptoolsRecipe } from '../recipe-formats/setuptools-recipe';
import type { SourceLock } from '../lock';

const CROSS_COMPILER = join(__dirname, 'setuptools', 'cross_compiler.py');

describe('the setuptools builder', () => {
  it('names an extension after its path in the wheel', () => {
    expect(moduleNameOfWheelPath('numexpr/interpreter.cpython-313-x86_64-linux-gnu.so')).toBe('numexpr.interpreter');
    expect(moduleNameOfWheelPath('_cffi_backend.abi3.so')).toBe('_cffi_backend');
    expect(moduleNameOfWheelPath('a/b/c.so')).toBe('a.b.c');
  });

  it('finds the calls wasm32-wasip1 cannot make, by what they need', () => {
    const found = unsupportedCalls(['pthread_create', 'PyList_New', 'pthread_mutex_lock', 'fork', 'dlopen', 'pthread_join']);
    expect(Object.fromEntries(found)).toEqual({ threads: ['pthread_create', 'pthread_join'], processes: ['fork'], 'dynamic loading': ['dlopen'] });
    expect(unsupportedCalls(['pthread_mutex_lock', 'malloc']).size).toBe(0);
  });

  it('shows the build an upstream package as its headers and version, not its code', () => {
    const view = packageView({ name: 'numpy', version: '2.4.0', includeDirs: ['/x/numpy/_core/include'] });
    expect(view).toContain('__version__ = "2.4.0"');
    expect(view).toContain('return "/x/numpy/_core/include"');
  });

  it('checks a recipe: its keys, its pins, and that build requirements are wheels', () => {
    const lock = { path: '/w/deps/sources.lock.json', sources: { numexpr: { file: 'numexpr-2.14.2.tar.gz' }, setuptools: { file: 'setuptools-84.2.1-py3-none-any.whl' }, cython: { file: 'cython-3.1.8.tar.gz' } } } as unknown as SourceLock;
    const good = { format: 'wasi-pystack-setuptools-recipe/1', package: 'numexpr', source: 'numexpr', buildRequires: ['setuptools'], extensions: ['numexpr.interpreter'] };
    expect(parseSetuptoolsRecipe(JSON.stringify(good), '/r/numexpr.json', lock).package).toBe('numexpr');
    expect(() => parseSetuptoolsRecipe(JSON.stringify({ ...good, buildRequires: undefined, buildRequire: [] }), '/r/x.json', lock)).toThrow(/\/r\/x\.json has 2 problem\(s\)\n {2}buildRequire: unknown key\n {2}buildRequires: missing/);
    expect(() => parseSetuptoolsRecipe(JSON.stringify({ ...good, buildRequires: ['setuptools', 'wheel'] }), '/r/x.json', lock)).toThrow('/r/x.json names sources the lock does not pin\n  wheel: not a key under sources in /w/deps/sources.lock.json');
    expect(() => parseSetuptoolsRecipe(JSON.stringify({ ...good, buildRequires: ['cython'] }), '/r/x.json', lock)).toThrow('/r/x.json has 1 problem(s)\n  buildRequires: cython is cython-3.1.8.tar.gz, not the pure-Python wheel (py3-none-any) it must be');
  });
});

describe('cross_compiler.py (the CC and LDSHARED of a cross build)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cross-cc-'));
  // A stand-in compiler that writes its arguments as the object, so the test sees what it was given.
  const fakeCc = join(dir, 'fake-cc.sh');
  writeFileSync(fakeCc, '#!/bin/sh\nfor a; do [ "$prev" = -o ] && out="$a"; prev="$a"; done\necho "$@" > "$out"\n', { mode: 0o755 });
  const settings = join(dir, 'settings.json');
  writeFileSync(settings, JSON.stringify({ cc: fakeCc, cxx: fakeCc, flags: ['-O2', '-g0'], includeDirs: ['/target/include/python3.13'] }));
  const python = process.env.WASI_PYSTACK_TEST_PYTHON ?? 'python3';
  const run = (...args: string[]) => spawnSync(python, [CROSS_COMPILER, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, WASI_PYSTACK_CROSS: settings } });
  const nativeInclude = spawnSync(python, ['-c', 'import sysconfig; print(sysconfig.get_paths()["include"])'], { encoding: 'utf8' }).stdout.trim();

  it('compiles with the target headers instead of the native Python\'s, and records the command', () => {
    const r = run('cc', '-fPIC', '-O3', '-g', `-I${nativeInclude}`, '-I', 'src', '-DX=1', '-c', 'a.c', '-o', 'a.o');
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'a.o'), 'utf8').trim()).toBe('-O2 -g0 -Isrc -DX=1 -c a.c -o a.o -I/target/include/python3.13');
    expect(JSON.parse(readFileSync(join(dir, 'a.o.cross.json'), 'utf8'))).toMatchObject({ argv: [fakeCc, '-O2', '-g0', '-Isrc', '-DX=1', '-c', 'a.c', '-o', 'a.o', '-I/target/include/python3.13'], cwd: dir, lang: 'cc' });
  });

  it('links no shared library: the output records the objects and libraries instead', () => {
    const r = run('c++', '-shared', 'a.o', 'b.o', '-Lbuild/temp', '-lm', '-lhelper', '-o', 'build/lib/pkg/_ext.cpython-313-x86_64-linux-gnu.so');
    expect(r.status, r.stderr).toBe(0);
    const record = JSON.parse(readFileSync(join(dir, 'build/lib/pkg/_ext.cpython-313-x86_64-linux-gnu.so'), 'utf8'));
    expect(record).toEqual({ format: EXTENSION_RECORD_FORMAT, objects: [join(dir, 'a.o'), join(dir, 'b.o')], archives: [], libs: ['m', 'helper'], libDirs: [join(dir, 'build/temp')], cxx: true });
    expect(existsSync(join(dir, 'a.o'))).toBe(true);
  });
});
