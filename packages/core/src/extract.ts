import { mkdirSync, rmSync } from 'node:fs';
import { queryCommand } from './run';
import { BUILD_TOOLS } from './toolchain';

/** Unpacks a source tarball into `dest`, dropping its single top-level folder. Replaces `dest`. */
export function extractTarball(archive: string, dest: string, options: { tar?: string; logFile?: string } = {}): string {
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  queryCommand({ argv: [options.tar ?? BUILD_TOOLS.tar, '-xf', archive, '-C', dest, '--strip-components=1', '--no-same-owner'], cwd: dest }, { logFile: options.logFile });
  return dest;
}
