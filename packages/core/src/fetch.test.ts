import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fetchSource } from './fetch';

function fixture() {
  const dir = mkdtempSync(join(tmpdir(), 'fetch-'));
  const upstream = join(dir, 'upstream.tar.gz');
  writeFileSync(upstream, 'pretend tarball');
  const sha256 = createHash('sha256').update('pretend tarball').digest('hex');
  return { dir, cache: join(dir, 'cache'), url: pathToFileURL(upstream).toString(), sha256 };
}

describe('fetchSource', () => {
  it('downloads from the first working mirror and verifies the sha256', async () => {
    const f = fixture();
    const entry = { name: 'demo', version: '1', file: 'demo.tar.gz', sha256: f.sha256, mirrors: [pathToFileURL(join(f.dir, 'missing')).toString(), f.url] };
    const path = await fetchSource(entry, { dir: f.cache, registries: {} });
    expect(path).toBe(join(f.cache, 'demo.tar.gz'));
    expect(readdirSync(f.cache)).toEqual(['demo.tar.gz']);
  });

  it('rejects a wrong sha256, says which mirror failed, and leaves nothing in the cache', async () => {
    const f = fixture();
    const entry = { name: 'demo', version: '1', file: 'demo.tar.gz', sha256: '0'.repeat(64), mirrors: [f.url] };
    await expect(fetchSource(entry, { dir: f.cache, registries: {} })).rejects.toThrowError(
      `could not fetch demo 1 (demo.tar.gz) from any mirror\n  ${f.url}: sha256 mismatch: got ${f.sha256}, expected ${'0'.repeat(64)}`,
    );
    expect(existsSync(f.cache) ? readdirSync(f.cache) : []).toEqual([]);
  });

  it('refuses to use a Debian mirror when none is configured', async () => {
    const f = fixture();
    const entry = { name: 'demo', version: '1', file: 'demo.tar.gz', sha256: f.sha256, mirrors: ['debian:pool/main/d/demo.tar.gz'] };
    await expect(fetchSource(entry, { dir: f.cache, registries: {} })).rejects.toThrowError(/debian:pool\/main\/d\/demo.tar.gz: no Debian mirror is configured on this machine/);
  });
});
