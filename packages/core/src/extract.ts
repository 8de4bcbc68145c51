import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';

/** Unpacks a source tarball into `dest`, dropping its single top-level folder. Replaces `dest`. */
export function extractTarball(archive: string, dest: string): string {
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  execFileSync('tar', ['-xf', archive, '-C', dest, '--strip-components=1', '--no-same-owner']);
  return dest;
}
