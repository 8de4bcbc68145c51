import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLock, type SourceLock } from '../lock';
import { addToLock } from './lock-additions';
import { evaluateMarker, wasiMarkerEnvironment } from './markers';
import { parseRequirement, resolvePins } from './resolve-pins';
import { isPureWheel, parseWheelName, requiresDist, type IndexFile, type PackageIndex } from './simple-index';
import { satisfies } from './versions';

const env = wasiMarkerEnvironment('3.13.5');
const sha = (c: string) => c.repeat(64);

/** An index of made-up projects: files by project, METADATA by file name. */
function fakeIndex(projects: Record<string, { file: string; requires?: string[]; requiresPython?: string; yanked?: boolean }[]>): PackageIndex & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async files(project) {
      asked.push(project);
      return (projects[project] ?? []).map((f, i) => ({ filename: f.file, url: `https://index.test/${f.file}`, sha256: sha(String(i % 10)), hasMetadata: true, yanked: Boolean(f.yanked), ...(f.requiresPython ? { requiresPython: f.requiresPython } : {}) }));
    },
    async metadata(file: IndexFile) {
      const f = Object.values(projects).flat().find((p) => p.file === file.filename)!;
      return ['Metadata-Version: 2.1', 'Name: x', ...(f.requires ?? []).map((r) => `Requires-Dist: ${r}`), '', 'Requires-Dist: not-a-header-line'].join('\n');
    },
  };
}

const emptyLock = (): SourceLock => parseLock(JSON.stringify({ lockVersion: 1, sources: {} }), '/w/deps/sources.lock.json');

describe('versions, markers and wheel names', () => {
  it('matches PEP 440 specifiers', () => {
    expect(satisfies('3.1.6', '==3.1.6')).toBe(true);
    expect(satisfies('2.1.5', '>=2.0')).toBe(true);
    expect(satisfies('2.2.0', '~=2.1')).toBe(true);
    expect(satisfies('3.0', '~=2.1')).toBe(false);
    expect(satisfies('1.2.3', '==1.2.*')).toBe(true);
    expect(satisfies('1.3', '!=1.2.*,<2')).toBe(true);
    expect(satisfies('4.0.0rc1', '<4')).toBe(false);
    expect(satisfies('2026.11.15', '>=2024')).toBe(true);
  });

  it('evaluates markers for CPython on wasm32-wasip1', () => {
    expect(evaluateMarker('sys_platform == "win32"', env)).toBe(false);
    expect(evaluateMarker('python_version >= "3.8" and platform_machine == "wasm32"', env)).toBe(true);
    expect(evaluateMarker('(os_name == "nt" or sys_platform == "wasi") and python_version < "3.14"', env)).toBe(true);
    expect(evaluateMarker('extra == "i18n"', env)).toBe(false);
    expect(evaluateMarker('extra == "I18N"', { ...env, extra: 'i18n' })).toBe(true);
    expect(() => evaluateMarker('python_version >= ', env)).toThrowError(/environment marker 'python_version >= '/);
  });

  it('reads requirements, wheel names and Requires-Dist', () => {
    expect(parseRequirement('Jinja2[i18n] (>=3.0)')).toEqual({ name: 'jinja2', extras: ['i18n'], specifier: '>=3.0' });
    expect(parseRequirement("six >= 1.9 ; python_version < '4'")).toEqual({ name: 'six', extras: [], specifier: '>=1.9', marker: "python_version < '4'" });
    expect(() => parseRequirement('pkg @ https://example.test/pkg.whl')).toThrowError("the requirement 'pkg @ https://example.test/pkg.whl' names a URL");
    expect(isPureWheel(parseWheelName('jinja2-3.1.6-py3-none-any.whl')!)).toBe(true);
    expect(isPureWheel(parseWheelName('MarkupSafe-3.0.3-cp313-cp313-manylinux_2_17_x86_64.whl')!)).toBe(false);
    expect(requiresDist('Name: a\nRequires-Dist: b>=1\nRequires-Dist: c; extra == "x"\n\nRequires-Dist: body')).toEqual(['b>=1', 'c; extra == "x"']);
  });
});

describe('resolving pins', () => {
  const projects = {
    html5lib: [{ file: 'html5lib-1.1.tar.gz' }, { file: 'html5lib-1.1-py2.py3-none-any.whl', requires: ['six>=1.9', 'webencodings', 'genshi; extra == "genshi"', 'pywin32; sys_platform == "win32"'] }],
    six: [{ file: 'six-1.16.0-py2.py3-none-any.whl' }, { file: 'six-1.17.0-py2.py3-none-any.whl' }, { file: 'six-2.0.0b1-py3-none-any.whl' }],
    webencodings: [{ file: 'webencodings-0.5.1-py2.py3-none-any.whl' }, { file: 'webencodings-0.6-py3-none-any.whl', yanked: true }],
    jinja2: [{ file: 'jinja2-3.1.6-py3-none-any.whl', requires: ['MarkupSafe>=2.0'] }],
    markupsafe: [{ file: 'markupsafe-3.0.4.tar.gz' }, { file: 'markupsafe-3.0.4-cp313-cp313-manylinux_2_17_x86_64.whl' }],
    modern: [{ file: 'modern-2.0-py3-none-any.whl', requiresPython: '>=3.14' }, { file: 'modern-1.0-py3-none-any.whl' }],
  };

  it('pins a pure package and what it requires on WASI, the newest release that fits, with sha256 and mirror', async () => {
    const index = fakeIndex(projects);
    const { added, keys } = await resolvePins(['html5lib==1.1'], { lock: emptyLock(), index, environment: env, builtByStep: new Set() });
    expect(keys).toEqual(['html5lib']);
    expect(added).toEqual([
      { key: 'html5lib', entry: { version: '1.1', file: 'html5lib-1.1-py2.py3-none-any.whl', sha256: sha('1'), mirrors: ['pypi:html5lib/html5lib-1.1-py2.py3-none-any.whl'], requires: ['six', 'webencodings'] } },
      { key: 'six', entry: { version: '1.17.0', file: 'six-1.17.0-py2.py3-none-any.whl', sha256: sha('1'), mirrors: ['pypi:six/six-1.17.0-py2.py3-none-any.whl'] } },
      { key: 'webencodings', entry: { version: '0.5.1', file: 'webencodings-0.5.1-py2.py3-none-any.whl', sha256: sha('0'), mirrors: ['pypi:webencodings/webencodings-0.5.1-py2.py3-none-any.whl'] } },
    ]);
    expect(index.asked).not.toContain('genshi');
    expect(index.asked).not.toContain('pywin32');
  });

  it('takes what the lock pins already, and skips releases that need another Python', async () => {
    const lock = parseLock(JSON.stringify({ lockVersion: 1, sources: { six: { version: '1.16.0', file: 'six-1.16.0-py2.py3-none-any.whl', sha256: sha('a'), mirrors: ['pypi:six/six-1.16.0-py2.py3-none-any.whl'] } } }), '/w/l.json');
    const { added } = await resolvePins(['html5lib==1.1', 'modern==1.0'], { lock, index: fakeIndex(projects), environment: env, builtByStep: new Set() });
    expect(added.map((a) => `${a.key}==${a.entry.version}`)).toEqual(['html5lib==1.1', 'webencodings==0.5.1', 'modern==1.0']);
    expect(added[0].entry.requires).toEqual(['six', 'webencodings']);
    await expect(resolvePins(['modern==2.0'], { lock, index: fakeIndex(projects), environment: env, builtByStep: new Set() })).rejects.toThrowError(/requires modern==2.0, and no release in its releases .* matches/);
  });

  it('refuses a package that has only compiled wheels and no step that builds it, naming it', async () => {
    await expect(resolvePins(['jinja2==3.1.6'], { lock: emptyLock(), index: fakeIndex(projects), environment: env, builtByStep: new Set() })).rejects.toThrowError(
      'markupsafe 3.0.4 (required by jinja2 3.1.6) has no pure-Python wheel, and no step builds it\n  markupsafe-3.0.4.tar.gz: a source distribution\n  1 compiled wheel(s): markupsafe-3.0.4-cp313-cp313-manylinux_2_17_x86_64.whl\nFix: add a step (wasi-step.json and a recipe) that builds markupsafe for wasm32-wasip1, or pin a version with a py3-none-any wheel',
    );
  });

  it('takes a compiled package a step builds from the lock', async () => {
    const lock = parseLock(JSON.stringify({ lockVersion: 1, sources: { markupsafe: { version: '3.0.4', file: 'markupsafe-3.0.4.tar.gz', sha256: sha('b'), mirrors: ['pypi:markupsafe/markupsafe-3.0.4.tar.gz'] } } }), '/w/l.json');
    const { added } = await resolvePins(['jinja2==3.1.6'], { lock, index: fakeIndex(projects), environment: env, builtByStep: new Set(['markupsafe']) });
    expect(added).toEqual([{ key: 'jinja2', entry: expect.objectContaining({ version: '3.1.6', requires: ['markupsafe'] }) }]);
  });

  it('asks for pins, not ranges', async () => {
    await expect(resolvePins(['six>=1'], { lock: emptyLock(), index: fakeIndex(projects), environment: env, builtByStep: new Set() })).rejects.toThrowError("the dependency 'six>=1' is not a pin\nFix: pin it to one version: six==<version>");
  });

  it('adds the entries to the lock file whole, keeping what it had', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-'));
    const path = join(dir, 'sources.lock.json');
    const before = { $comment: 'c', lockVersion: 1, sources: { six: { version: '1.17.0', file: 'six-1.17.0-py2.py3-none-any.whl', sha256: sha('1'), mirrors: ['pypi:six/six-1.17.0-py2.py3-none-any.whl'] } } };
    writeFileSync(path, `${JSON.stringify(before, null, 2)}\n`);
    addToLock(path, [{ key: 'html5lib', entry: { version: '1.1', file: 'html5lib-1.1-py2.py3-none-any.whl', sha256: sha('2'), mirrors: ['pypi:html5lib/html5lib-1.1-py2.py3-none-any.whl'], requires: ['six'] } }]);
    const after = JSON.parse(readFileSync(path, 'utf8'));
    expect(Object.keys(after.sources)).toEqual(['six', 'html5lib']);
    expect(after.$comment).toBe('c');
    expect(() => addToLock(path, [{ key: 'x', entry: { version: '1', file: 'x-1-py3-none-any.whl', sha256: 'short', mirrors: ['pypi:x/x'] } }])).toThrowError(/sources\/x\/sha256: must be 64 lowercase hex digits/);
    expect(Object.keys(JSON.parse(readFileSync(path, 'utf8')).sources)).toEqual(['six', 'html5lib']);
  });
});
