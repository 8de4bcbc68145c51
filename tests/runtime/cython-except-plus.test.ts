// A user's own C++ extension, written in Cython (tests/fixtures/cxx-exceptions/cxx_probe.pyx):
// cythonized with the pinned Cython, compiled by core's toolchain (wasm exceptions, the C++ runtime
// of its recipe), linked with python-wasi. C++ exceptions behind `except +` become the Python
// exceptions Cython maps them to, under wasmtime and Node; with exceptions = "none" a throw ends the
// module with the message naming it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fetchSource, getSource, readLock, resolveToolchain, stepOutputDir, writeManifest } from '@wasi-pystack/core';
import { link } from '@wasi-pystack/linker';
import { ROOT, RUNTIMES, requireModule } from './runtimes';

const PYX = join(ROOT, 'tests', 'fixtures', 'cxx-exceptions', 'cxx_probe.pyx');
const PYTHON_WASI = join(ROOT, stepOutputDir('python-wasi'));
const BUNDLE = join(ROOT, 'dist', 'bundles', 'python');

let work: string;
const modules: Record<'exnref' | 'none', string> = { exnref: '', none: '' };

/** cxx_probe as a step output of its own: a static archive and a manifest naming the module. */
async function buildProbe(): Promise<string> {
  const lock = readLock(ROOT);
  const cython = join(work, 'cython');
  const wheel = await fetchSource(getSource(lock, 'cython'));
  execFileSync('python3', ['-c', 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])', wheel, cython]);
  execFileSync('python3', ['-c', 'import sys; sys.path.insert(0, sys.argv.pop(1)); from Cython.Compiler.Main import setuptools_main; sys.exit(setuptools_main())', cython, '--cplus', '-3', PYX, '-o', join(work, 'cxx_probe.cpp')]);
  const toolchain = await resolveToolchain(lock);
  const out = join(work, 'probe-step');
  mkdirSync(join(out, 'lib'), { recursive: true });
  execFileSync(toolchain.cxx, ['-O2', `-I${join(PYTHON_WASI, 'include', 'python3.13')}`, '-c', join(work, 'cxx_probe.cpp'), '-o', join(work, 'cxx_probe.o')]);
  execFileSync(toolchain.ar, ['rcs', join(out, 'lib', 'libcxx_probe.a'), join(work, 'cxx_probe.o')]);
  writeManifest(out, { name: 'cxx_probe', version: '0', libraries: ['lib/libcxx_probe.a'], linkArgs: [], modules: [{ name: 'cxx_probe', initSymbol: 'PyInit_cxx_probe' }], pythonRoots: [], includeDirs: [], facts: {}, needs: ['c++'] });
  return out;
}

beforeAll(async () => {
  requireModule('dist/bundles/python/bundle.bin');
  work = mkdtempSync(join(tmpdir(), 'cython-except-plus-'));
  const probe = await buildProbe();
  for (const form of ['exnref', 'none'] as const) {
    modules[form] = join(work, `python-probe-${form}.wasm`);
    await link({ workspaceRoot: ROOT, inputs: [PYTHON_WASI, probe], bundle: BUNDLE, kind: 'command', output: modules[form], exceptions: form });
  }
}, 900_000);

const MAPPING = `
import cxx_probe
names = ["bad_alloc", "out_of_range", "invalid_argument", "overflow_error", "range_error", "underflow_error", "domain_error", "bad_cast", "ios_base::failure", "runtime_error", "int"]
for kind, name in enumerate(names):
    try:
        cxx_probe.throw(kind)
    except Exception as e:
        print(name, type(e).__name__, str(e))
for args in ([1, 2, 3], 1), ([1, 2, 3], 3):
    try:
        print("at", cxx_probe.at(*args))
    except IndexError as e:
        print("at IndexError", e)
for n in 1 << 29, 1 << 26:  # more than a vector may hold (length_error); more than the memory cap
    try:
        cxx_probe.reserve(n)
    except Exception as e:
        print("reserve", type(e).__name__, e)
print("capacity", cxx_probe.reserve(1000))
`;

describe.each(RUNTIMES)("Cython's except + under $name", (runtime) => {
  it('maps each C++ exception to its Python exception, and the module goes on after each', () => {
    const r = runtime.run(modules.exnref, ['-c', MAPPING], { maxMemory: '256MiB' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual([
      'bad_alloc MemoryError std::bad_alloc',
      'out_of_range IndexError out of range',
      'invalid_argument ValueError invalid argument',
      'overflow_error OverflowError overflow',
      'range_error ArithmeticError range',
      'underflow_error ArithmeticError underflow',
      'domain_error ValueError domain',
      'bad_cast TypeError std::bad_cast',
      expect.stringMatching(/^ios_base::failure OSError io/),
      'runtime_error RuntimeError runtime',
      'int RuntimeError Unknown exception',
      'at 2',
      'at IndexError vector',
      'reserve RuntimeError vector',
      'reserve MemoryError std::bad_alloc',
      'capacity 1000',
    ]);
  });

  it('with exceptions = "none", a throw ends the module with the message naming the exception', () => {
    const r = runtime.run(modules.none, ['-c', 'import cxx_probe\nprint("before", flush=True)\ncxx_probe.throw(1)\nprint("after")']);
    expect(r.stdout.trim()).toBe('before');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('wasi-pystack: a C++ exception of type St12out_of_range was thrown, but this module was linked with exceptions = "none"');
  });
});
