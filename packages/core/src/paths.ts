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

/** The workspace root: the folder holding deps/sources.lock.json, found upwards from `from`. */
export function findWorkspaceRoot(from = process.cwd()): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'deps', 'sources.lock.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no deps/sources.lock.json above ${from}`);
    dir = parent;
  }
}
