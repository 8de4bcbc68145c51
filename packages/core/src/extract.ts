import { mkdirSync, rmSync } from 'node:fs';
import { queryCommand } from './run';
import { BUILD_TOOLS } from './toolchain';

/**
 * Unpacks a source tarball into `dest`, dropping its single top-level folder. Replaces `dest`.
 * `members` (paths below that folder, e.g. `libcxx` or `llvm/cmake`) unpacks only those folders.
 */
export function extractTarball(archive: string, dest: string, options: { tar?: string; logFile?: string; members?: string[] } = {}): string {
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  // '*' stands for the top-level folder only (no '/' in it); a folder that matches comes out whole.
  const select = options.members?.length ? ['--wildcards', '--no-wildcards-match-slash', ...options.members.map((m) => `*/${m}`)] : [];
  queryCommand({ argv: [options.tar ?? BUILD_TOOLS.tar, '-xf', archive, '-C', dest, '--strip-components=1', '--no-same-owner', ...select], cwd: dest }, { logFile: options.logFile });
  return dest;
}
