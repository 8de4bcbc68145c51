import { copyFileSync, cpSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { queryCommand } from '../run';

const BINARY = /\.(so|a|dylib|pyd|dll)$/;

/**
 * Copies what meson would install into site-packages, except binaries: the Python files, package
 * data, tests and headers, including the files meson generated. Extension modules are linked
 * statically instead, so `meson install` (which expects their shared objects) cannot be used.
 * Returns the number of files copied.
 */
export function installPythonFiles(buildDir: string, meson: string[], destSitePackages: string, env?: Record<string, string>, logFile?: string): number {
  const installed = JSON.parse(
    queryCommand({ argv: [...meson, 'introspect', '--installed', buildDir], cwd: buildDir, env }, { logFile }),
  ) as Record<string, string>;
  let copied = 0;
  for (const [src, dest] of Object.entries(installed)) {
    const rel = dest.split(/\/(?:site|dist)-packages\//)[1];
    if (!rel || BINARY.test(src)) continue;
    if (!existsSync(src)) throw new Error(`meson lists ${src} for installation, but it was not generated`);
    const target = join(destSitePackages, rel);
    mkdirSync(dirname(target), { recursive: true });
    if (statSync(src).isDirectory()) cpSync(src, target, { recursive: true });
    else copyFileSync(src, target);
    copied++;
  }
  return copied;
}
