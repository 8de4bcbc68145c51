// The self-hosted Nx remote cache: the server the check starts answers the way Nx's HTTP cache client
// (NX_SELF_HOSTED_REMOTE_CACHE_SERVER) needs, and the outputs comparison names a difference.
// The two-clone check runs here with clone A on this machine's step cache (so A's build is quick) and
// clone B on an empty one: B has nothing but the remote. `npm run remote-cache:check` also builds A cold.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module script without declarations
import { firstTreeDifference, startCacheServer, treeDigest } from '../tools/remote-cache-check.mjs';

const ROOT = resolve(__dirname, '..');

describe('remote cache', () => {
  it('serves the Nx cache protocol on 127.0.0.1: 404 on a miss, 200 on PUT, the same bytes on GET', async () => {
    const server = await startCacheServer(mkdtempSync(join(tmpdir(), 'nx-remote-')));
    try {
      expect(new URL(server.url).hostname).toBe('127.0.0.1');
      const url = `${server.url}/v1/cache/12345678901234567890`;
      expect((await fetch(url)).status).toBe(404);
      const body = Buffer.from([0x1f, 0x8b, 1, 2, 3, 255]);
      const put = await fetch(url, { method: 'PUT', body, headers: { 'Content-Type': 'application/octet-stream' } });
      expect(put.status).toBe(200); // Nx treats anything but 200, 403 and 409 as an error
      const get = await fetch(url, { headers: { Accept: 'application/octet-stream' } });
      expect(get.status).toBe(200);
      expect(Buffer.from(await get.arrayBuffer()).equals(body)).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('name the first file that differs between two output trees', () => {
    const [a, b] = ['a', 'b'].map((n) => mkdtempSync(join(tmpdir(), `tree-${n}-`)));
    for (const d of [a, b]) writeFileSync(join(d, 'same.txt'), 'x');
    writeFileSync(join(a, 'x.wasm'), 'one');
    writeFileSync(join(b, 'x.wasm'), 'two');
    expect(firstTreeDifference(treeDigest(a), treeDigest(a))).toBeUndefined();
    expect(firstTreeDifference(treeDigest(a), treeDigest(b))).toMatch(/^x\.wasm: /);
  });

  it('give a second clone with empty caches every pandas-wasi:build task from the remote, byte-identical', () => {
    // A child process: the server lives in the script, never blocked by a synchronous call.
    const out = execFileSync('node', ['tools/remote-cache-check.mjs', 'pandas-wasi:build', '--shared-step-cache'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const summary = JSON.parse(out.trim().split('\n').pop()!);
    expect(summary.failures).toEqual([]);
    expect(Object.keys(summary.hashes)).toEqual(expect.arrayContaining(['python-wasi:compile', 'numpy-wasi:compile', 'pandas-wasi:compile', 'pandas-wasi:build']));
  }, 1_200_000);
});
