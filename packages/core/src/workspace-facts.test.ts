import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  APT_PACKAGES, CONFIGURATION_NAMES, LLVM_BIN, LLVM_VERSION, STEP_NAMES, WASMTIME_PYTHON_PIN, bundleDir, cacheRoot, distLayout, modulePath,
  nativeVenvPython, readWorkspaceFacts, sourcesDir, stepOutputDir, stepsDir, toolchainsDir, venvPython, wasmtimeCacheDir, wasmtimeCacheMaxMb,
  workspaceFacts, workspaceFactsPath, writeWorkspaceFacts,
} from './workspace-facts';
import * as core from './index';

describe('the cache root', () => {
  it('is WASI_PYSTACK_CACHE when set, over XDG_CACHE_HOME', () => {
    expect(cacheRoot({ WASI_PYSTACK_CACHE: '/c', XDG_CACHE_HOME: '/x' })).toBe('/c');
  });

  it('is $XDG_CACHE_HOME/wasi-pystack, else ~/.cache/wasi-pystack', () => {
    expect(cacheRoot({ XDG_CACHE_HOME: '/x' })).toBe('/x/wasi-pystack');
    expect(cacheRoot({})).toBe(join(homedir(), '.cache', 'wasi-pystack'));
    expect(cacheRoot({ WASI_PYSTACK_CACHE: '', XDG_CACHE_HOME: '' })).toBe(join(homedir(), '.cache', 'wasi-pystack'));
  });

  it('holds the sources, steps, toolchains, the runners\' Python, the native venvs and wasmtime\'s compiled modules', () => {
    expect([sourcesDir('/c'), stepsDir('/c'), toolchainsDir('/c')]).toEqual(['/c/sources', '/c/steps', '/c/toolchains']);
    expect(venvPython('/c')).toBe('/c/venv/bin/python');
    expect(nativeVenvPython('default', '/c')).toBe('/c/native-venv/bin/python');
    expect(nativeVenvPython('pandas3', '/c')).toBe('/c/native-venv-pandas3/bin/python');
    expect(wasmtimeCacheDir('/c')).toBe('/c/wasmtime');
  });

  it('bounds the compiled modules at 2048 MiB unless WASI_PYSTACK_WASMTIME_CACHE_MB says otherwise', () => {
    expect(wasmtimeCacheMaxMb({})).toBe(2048);
    expect(wasmtimeCacheMaxMb({ WASI_PYSTACK_WASMTIME_CACHE_MB: '512' })).toBe(512);
    expect(() => wasmtimeCacheMaxMb({ WASI_PYSTACK_WASMTIME_CACHE_MB: 'lots' })).toThrowError(/not a number of MiB/);
  });

  it('is the same function core exported before (paths.ts re-exports it)', () => {
    expect(core.cacheRoot).toBe(cacheRoot);
    expect(core.stepsDir).toBe(stepsDir);
  });
});

describe('the dist layout', () => {
  it('puts the default configuration in dist/<step>, dist/bundles and dist/modules', () => {
    expect(distLayout('default')).toEqual({
      configuration: 'default',
      steps: { 'python-wasi': 'dist/python-wasi', 'numpy-wasi': 'dist/numpy-wasi', 'pandas-wasi': 'dist/pandas-wasi' },
      bundles: 'dist/bundles',
      modules: 'dist/modules',
    });
    expect(modulePath('python-pandas')).toBe('dist/modules/python-pandas.wasm');
    expect(bundleDir('python')).toBe('dist/bundles/python');
  });

  it('puts pandas3 under dist/pandas3 and dist/modules/pandas3, with the default CPython', () => {
    expect(distLayout('pandas3')).toEqual({
      configuration: 'pandas3',
      steps: { 'python-wasi': 'dist/python-wasi', 'numpy-wasi': 'dist/pandas3/numpy-wasi', 'pandas-wasi': 'dist/pandas3/pandas-wasi' },
      bundles: 'dist/pandas3/bundles',
      modules: 'dist/modules/pandas3',
    });
    expect(modulePath('python-numpy', 'pandas3')).toBe('dist/modules/pandas3/python-numpy.wasm');
    expect(bundleDir('python-pandas', 'pandas3')).toBe('dist/pandas3/bundles/python-pandas');
  });

  it('joins the workspace root when given one; a configuration only a workspace step knows goes to dist/<name>; a bad name is refused', () => {
    expect(stepOutputDir('numpy-wasi', 'pandas3', '/ws')).toBe('/ws/dist/pandas3/numpy-wasi');
    expect(modulePath('python', 'default', '/ws')).toBe('/ws/dist/modules/python.wasm');
    expect(stepOutputDir('markupsafe', 'fast')).toBe('dist/fast/markupsafe');
    expect(modulePath('python', 'fast')).toBe('dist/modules/fast/python.wasm');
    expect(() => distLayout('Pandas 4' as never)).toThrowError(/unknown configuration "Pandas 4"/);
    expect(CONFIGURATION_NAMES).toEqual(['default', 'pandas3']);
    expect(STEP_NAMES).toEqual(['python-wasi', 'numpy-wasi', 'pandas-wasi']);
  });
});

describe('tool versions and Debian packages', () => {
  it('pin wasmtime for the runners and one LLVM version everywhere', () => {
    expect(WASMTIME_PYTHON_PIN).toMatch(/^wasmtime==\d+\.\d+\.\d+$/);
    expect(LLVM_BIN).toBe(`/usr/lib/llvm-${LLVM_VERSION}/bin`);
    const llvm = APT_PACKAGES.filter((p) => p.embeddedToolchain);
    expect(llvm.map((p) => p.package)).toEqual(['clang', 'lld', 'llvm'].map((n) => `${n}-${LLVM_VERSION}`));
    for (const p of llvm) expect(p.provides.startsWith(`${LLVM_BIN}/`)).toBe(true);
    // nothing else names another LLVM
    expect(JSON.stringify(APT_PACKAGES).match(/llvm-\d+|-\d+"/g)?.every((m) => m.includes(LLVM_VERSION))).toBe(true);
    expect(APT_PACKAGES.map((p) => p.package)).toEqual(expect.arrayContaining(['make', 'pkgconf', 'ninja-build', 'tcl', 'xz-utils']));
  });
});

describe('.wasi-pystack/workspace-facts.json', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('holds every fact resolved for the environment it was written in, and reads back the same', () => {
    const ws = mkdtempSync(join(tmpdir(), 'facts-'));
    dirs.push(ws);
    const env = { WASI_PYSTACK_CACHE: '/c', WASI_PYSTACK_WASMTIME_CACHE_MB: '100' };
    const path = writeWorkspaceFacts(ws, env);
    expect(path).toBe(join(ws, '.wasi-pystack', 'workspace-facts.json'));
    expect(workspaceFactsPath(ws)).toBe(path);
    const written = JSON.parse(readFileSync(path, 'utf8'));
    expect(written).toEqual(workspaceFacts(ws, env));
    expect(readWorkspaceFacts(ws)).toEqual(written);
    expect(written).toMatchObject({
      workspaceRoot: ws,
      cacheRoot: '/c',
      sourcesDir: '/c/sources',
      stepsDir: '/c/steps',
      toolchainsDir: '/c/toolchains',
      venvPython: '/c/venv/bin/python',
      nativeVenvPython: { default: '/c/native-venv/bin/python', pandas3: '/c/native-venv-pandas3/bin/python' },
      wasmtimeCache: { dir: '/c/wasmtime', maxMb: 100 },
      tools: { wasmtimePython: WASMTIME_PYTHON_PIN, llvm: LLVM_VERSION, llvmBin: LLVM_BIN },
    });
    expect(written.dist.default).toEqual(distLayout('default'));
    expect(written.dist.pandas3).toEqual(distLayout('pandas3'));
    expect(written.apt).toEqual(APT_PACKAGES);
  });

  it('is missing until npm run setup writes it, and says so', () => {
    const ws = mkdtempSync(join(tmpdir(), 'facts-'));
    dirs.push(ws);
    expect(() => readWorkspaceFacts(ws)).toThrowError(/workspace-facts\.json is missing[\s\S]*npm run setup/);
  });
});
