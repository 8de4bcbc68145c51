import { mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildPythonFact } from './builders/build-python';
import { mapBuildPaths, prefixMapFlags, relocateTextFiles, sourceDateEpoch } from './build-paths';
import { requireBuildPython } from './manifest';
import { publishOutput } from './workspace-output';

const savedCache = process.env.WASI_PYSTACK_CACHE;
afterEach(() => {
  if (savedCache === undefined) delete process.env.WASI_PYSTACK_CACHE;
  else process.env.WASI_PYSTACK_CACHE = savedCache;
});

describe('build paths in step outputs', () => {
  it('become the fixed names of the prefix maps, the work folder before the cache that holds it', () => {
    const paths = { work: '/c/steps/x/k.work', cache: '/c', workspace: '/home/me/repo' };
    expect(mapBuildPaths("abs_builddir = '/c/steps/x/k.work/build'; LIBPC = '/c/steps/libs/k2/lib/pkgconfig'; -I/home/me/repo/dist", paths)).toBe(
      "abs_builddir = '/wasi-pystack/work/build'; LIBPC = '/wasi-pystack/cache/steps/libs/k2/lib/pkgconfig'; -I/wasi-pystack/workspace/dist",
    );
  });

  it('are matched as absolute paths: a relative workspace never rewrites the dots of a file', () => {
    const cwd = process.cwd();
    expect(mapBuildPaths(`python3.13 at ${cwd}/dist`, { workspace: '.' })).toBe('python3.13 at /wasi-pystack/workspace/dist');
  });

  it('are rewritten in text files and left alone in binary ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'relocate-'));
    writeFileSync(join(dir, '_sysconfigdata.py'), "build_time_vars = {'srcdir': '/tmp/w/k.work/src'}\n");
    writeFileSync(join(dir, 'lib.a'), Buffer.concat([Buffer.from('!<arch>\n\0'), Buffer.from('/tmp/w/k.work/src/x.c')]));
    writeFileSync(join(dir, 'plain.py'), 'x = 1\n');
    expect(relocateTextFiles(dir, { work: '/tmp/w/k.work' })).toEqual([join(dir, '_sysconfigdata.py')]);
    expect(readFileSync(join(dir, '_sysconfigdata.py'), 'utf8')).toBe("build_time_vars = {'srcdir': '/wasi-pystack/work/src'}\n");
    expect(readFileSync(join(dir, 'lib.a')).includes(Buffer.from('/tmp/w/k.work'))).toBe(true);
  });
});

describe('the date a build records', () => {
  it("is the source tree's newest file time, not the time of the build", () => {
    const src = mkdtempSync(join(tmpdir(), 'src-'));
    mkdirSync(join(src, 'Modules'));
    writeFileSync(join(src, 'configure'), '');
    writeFileSync(join(src, 'Modules', 'getbuildinfo.c'), '');
    utimesSync(join(src, 'configure'), 1_700_000_000, 1_700_000_000);
    utimesSync(join(src, 'Modules', 'getbuildinfo.c'), 1_749_600_000, 1_749_600_000.9);
    expect(sourceDateEpoch(src)).toBe('1749600000');
  });
});

describe('a published step output', () => {
  it('is the same bytes wherever the cache is and whenever the step was built', () => {
    const published = ['a', 'b'].map((name, i) => {
      const cache = mkdtempSync(join(tmpdir(), `cache-${name}-`));
      process.env.WASI_PYSTACK_CACHE = cache;
      const step = join(cache, 'steps', 'numpy', 'k1');
      mkdirSync(join(step, 'numpy'), { recursive: true });
      writeFileSync(join(step, '.step-complete.json'), JSON.stringify({ step: 'numpy', key: { v: 1 }, seconds: 100 + i, finished: `2026-11-2${i}T00:00:00Z` }));
      writeFileSync(join(step, 'numpy', '__config__.py'), `"c": r"${cache}/toolchains/t/bin/cc", "args": r"-ffile-prefix-map=${step}.work=/wasi-pystack/work"\n`);
      const to = join(mkdtempSync(join(tmpdir(), `clone-${name}-`)), 'dist', 'numpy-wasi');
      publishOutput(step, to);
      return [readFileSync(join(to, '.step-complete.json'), 'utf8'), readFileSync(join(to, 'numpy', '__config__.py'), 'utf8')];
    });
    expect(published[0]).toEqual(published[1]);
    expect(JSON.parse(published[0][0])).toEqual({ step: 'numpy', key: { v: 1 } });
  });

  it('names the build Python by its place in the cache, found again on another machine', () => {
    const cache = mkdtempSync(join(tmpdir(), 'cache-'));
    process.env.WASI_PYSTACK_CACHE = cache;
    const exe = join(cache, 'steps', 'build-python', 'k', 'bin', 'python3.13');
    mkdirSync(join(exe, '..'), { recursive: true });
    writeFileSync(exe, '');
    const fact = buildPythonFact(exe);
    expect(fact).toBe('steps/build-python/k/bin/python3.13');
    const manifest = { dir: '/x', facts: { buildPython: fact } } as unknown as Parameters<typeof requireBuildPython>[0];
    expect(requireBuildPython(manifest)).toBe(exe);
    process.env.WASI_PYSTACK_CACHE = mkdtempSync(join(tmpdir(), 'other-cache-'));
    expect(() => requireBuildPython(manifest)).toThrow(/names no usable build Python/);
  });
});

describe('prefixMapFlags, as clang applies them', () => {
  it('puts the most specific folder last: clang applies the last map that matches', () => {
    expect(prefixMapFlags({ work: '/c/steps/cpython/0123.work', cache: '/c', workspace: '/ws' })).toEqual([
      '-ffile-prefix-map=/ws=/wasi-pystack/workspace',
      '-ffile-prefix-map=/c=/wasi-pystack/cache',
      '-ffile-prefix-map=/c/steps/cpython/0123.work=/wasi-pystack/work',
    ]);
  });
});
