import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { WasiPystackError } from './errors';
import type { SourceEntry } from './lock';
import { log } from './log';
import { sourcesDir } from './workspace-facts';
import { mirrorUrl, resolveRegistries, type RegistryConfig } from './package-registries';

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

async function download(url: string, dest: string): Promise<void> {
  if (url.startsWith('file://')) {
    await pipeline(createReadStream(new URL(url)), createWriteStream(dest));
    return;
  }
  const res = await fetch(url);
  if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
  await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), createWriteStream(dest));
}

/**
 * Returns the path of a verified copy of `entry` in the source cache, downloading it if needed.
 * Downloads go to a temporary name and are renamed only after the sha256 matched, so the cache never
 * holds a partial or wrong file. Every mirror is tried in order; the error lists why each failed.
 */
export async function fetchSource(
  entry: SourceEntry,
  options: { dir?: string; registries?: RegistryConfig } = {},
): Promise<string> {
  const dir = options.dir ?? sourcesDir();
  mkdirSync(dir, { recursive: true });
  const dest = join(dir, entry.file);
  if (existsSync(dest)) {
    const actual = await sha256File(dest);
    if (actual === entry.sha256) return dest;
    log(`cached ${entry.file} has sha256 ${actual}, expected ${entry.sha256}: fetching again`);
    rmSync(dest);
  }
  const registries = options.registries ?? resolveRegistries();
  const failures: string[] = [];
  for (const spec of entry.mirrors) {
    const tmp = `${dest}.part-${process.pid}`;
    let url = spec;
    try {
      url = await mirrorUrl(spec, registries);
      log(`fetching ${entry.name} ${entry.version} from ${url}`);
      await download(url, tmp);
      const actual = await sha256File(tmp);
      if (actual !== entry.sha256) throw new Error(`sha256 mismatch: got ${actual}, expected ${entry.sha256}`);
      renameSync(tmp, dest);
      return dest;
    } catch (e) {
      failures.push(`${url}: ${(e as Error).message}`);
    } finally {
      rmSync(tmp, { force: true });
    }
  }
  throw new WasiPystackError(
    `could not fetch ${entry.name} ${entry.version} (${entry.file}) from any mirror`,
    'check the network and the mirrors in deps/sources.lock.json, or place the verified file in ' + dir,
    failures,
  );
}
