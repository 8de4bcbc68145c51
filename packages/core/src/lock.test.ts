import { describe, expect, it } from 'vitest';
import { parseLock, requiredClosure } from './lock';
import { WasiPystackError } from './errors';

const good = {
  lockVersion: 1,
  sources: { zlib: { version: '1.3.1', file: 'zlib.tar.gz', sha256: 'a'.repeat(64), mirrors: ['debian:pool/main/z/zlib/zlib.tar.gz'] } },
};

describe('parseLock', () => {
  it('accepts a well-formed lock', () => {
    const lock = parseLock(JSON.stringify(good), 'deps/sources.lock.json');
    expect(lock.sources.zlib).toMatchObject({ name: 'zlib', version: '1.3.1' });
  });

  it('names every problem by its key path', () => {
    const bad = { lockVersion: 1, extra: 1, sources: { zlib: { version: '1', file: 'z.tgz', sha256: 'XYZ', mirrors: [], url: 'x' } } };
    expect(() => parseLock(JSON.stringify(bad), 'deps/sources.lock.json')).toThrowError(
      'deps/sources.lock.json has 4 problem(s)\n' +
        '  extra: unknown key\n' +
        '  sources/zlib/url: unknown key\n' +
        '  sources/zlib/sha256: must be 64 lowercase hex digits\n' +
        "  sources/zlib/mirrors: must be a non-empty list of '<registry>:<path>' or URLs\n" +
        'Fix: correct the keys named above',
    );
  });

  it('reports invalid JSON as one error', () => {
    expect(() => parseLock('{', 'x.json')).toThrow(WasiPystackError);
  });

  it('follows requires transitively, each key once, and rejects requires that name no entry', () => {
    const entry = (requires?: string[]) => ({ version: '1', file: 'x.whl', sha256: 'a'.repeat(64), mirrors: ['pypi:x'], ...(requires ? { requires } : {}) });
    const lock = parseLock(JSON.stringify({ lockVersion: 1, sources: { pandas: entry(['dateutil', 'pytz']), dateutil: entry(['six']), pytz: entry(), six: entry() } }), 'l.json');
    expect(requiredClosure(lock, ['pandas', 'six'])).toEqual(['pandas', 'dateutil', 'six', 'pytz']);
    expect(() => parseLock(JSON.stringify({ lockVersion: 1, sources: { a: entry(['b']) } }), 'l.json')).toThrowError("sources/a/requires: 'b' is not a key under sources");
  });
});
