import { homedir } from 'node:os';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const PROJECT_NAME = 'wasi-pystack';

/**
 * Root of everything expensive: downloaded sources, the embedded toolchain, finished build steps.
 * It lives outside the clone so a fresh clone on the same machine reuses it.
 * Override with WASI_PYSTACK_CACHE.
 */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WASI_PYSTACK_CACHE) return env.WASI_PYSTACK_CACHE;
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, PROJECT_NAME);
}

export const sourcesDir = (root = cacheRoot()) => join(root, 'sources');
export const stepsDir = (root = cacheRoot()) => join(root, 'steps');
export const toolchainsDir = (root = cacheRoot()) => join(root, 'toolchains');

/**
 * The workspace root: the nearest folder upwards from `from` holding deps/sources.lock.json, else the
 * nearest holding nx.json or package.json (a workspace that uses the lock shipped with the packages).
 */
export function findWorkspaceRoot(from = process.cwd()): string {
  for (const marker of [join('deps', 'sources.lock.json'), 'nx.json', 'package.json']) {
    for (let dir = from; ; dir = dirname(dir)) {
      if (existsSync(join(dir, marker))) return dir;
      if (dirname(dir) === dir) break;
    }
  }
  return from;
}
