import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

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
