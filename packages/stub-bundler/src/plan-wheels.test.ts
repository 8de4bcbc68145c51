import { describe, expect, it } from 'vitest';
import { parseLock } from '@wasi-pystack/core';
import { planWheels } from './index';
import type { PythonProject } from './project';

const entry = (version: string, file: string, requires?: string[]) => ({ version, file, sha256: 'a'.repeat(64), mirrors: ['pypi:x'], ...(requires ? { requires } : {}) });
const lock = parseLock(
  JSON.stringify({
    lockVersion: 1,
    sources: {
      cpython: entry('3.13.5', 'python.tar.xz'),
      numpy: entry('2.4.0', 'numpy.tar.gz'),
      pandas: entry('2.3.3', 'pandas.tar.gz', ['numpy', 'python-dateutil', 'pytz']),
      'numpy-2.5': { ...entry('2.5.5', 'numpy-2.5.5.tar.gz'), package: 'numpy' },
      'pandas-3': { ...entry('3.1.1', 'pandas-3.1.1.tar.gz', ['numpy-2.5', 'python-dateutil']), package: 'pandas' },
      'python-dateutil': entry('2.9.0', 'dateutil.whl', ['six']),
      pytz: entry('2026.6', 'pytz.whl'),
      six: entry('1.17.0', 'six.whl'),
    },
  }),
  'sources.lock.json',
);
const python = { name: 'cpython', version: '3.13.5' };
const numpy = { name: 'numpy', version: '2.4.0' };
const pandas = { name: 'pandas', version: '2.3.3' };
const projectNeeding = (...deps: string[]): PythonProject => ({
  dir: '/p',
  name: 'report',
  sourceDir: '/p/src',
  preimport: [],
  keepStdlib: [],
  excludeStdlib: [],
  dependencies: deps.filter((d) => d.endsWith('wheel')).map((d) => lock.sources[d.split(' ')[0]]),
  builtDependencies: deps.filter((d) => !d.endsWith('wheel')).map((d) => lock.sources[d]),
});
const names = (entries: { name: string }[]) => entries.map((e) => e.name);

describe('planWheels', () => {
  it("adds pandas' runtime wheels from the lock when pandas-wasi is an input, with no list anywhere", () => {
    expect(names(planWheels(lock, [python, numpy, pandas], undefined))).toEqual(['python-dateutil', 'six', 'pytz']);
    expect(names(planWheels(lock, [python, numpy], undefined))).toEqual([]);
  });

  it('tells two pinned versions of one package apart by version (pandas3 configuration)', () => {
    expect(names(planWheels(lock, [python, { name: 'numpy', version: '2.5.5' }, { name: 'pandas', version: '3.1.1' }], undefined))).toEqual(['python-dateutil', 'six']);
  });

  it('follows a project dependency on pandas and its pure-Python ones', () => {
    expect(names(planWheels(lock, [python, numpy, pandas], projectNeeding('pandas', 'six wheel')))).toEqual(['python-dateutil', 'six', 'pytz']);
  });

  it('names the missing step when a compiled dependency has no input', () => {
    expect(() => planWheels(lock, [python], projectNeeding('pandas'))).toThrowError('project report depends on pandas==2.3.3, which has compiled code, and no input provides it');
  });

  it('names both versions when the input provides another one', () => {
    expect(() => planWheels(lock, [python, numpy, { name: 'pandas', version: '3.0.0' }], projectNeeding('pandas'))).toThrowError('project report depends on pandas==2.3.3, but its input provides pandas 3.0.0');
  });
});
