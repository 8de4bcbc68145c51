// Reading back what a guest wrote to /metadata and /subcontent: regular files with one name only,
// opened without following links and checked again on the open descriptor, within an output quota.
// Anything else is refused (listed with the reason), never followed or read.
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { OutputQuotaError } from './errors';

/** What the host reads back from /metadata and /subcontent after a run. */
export interface OutputQuota {
  /** Bytes of files read back. Default 64 MiB. */
  maxOutputBytes?: number;
  /** Files read back. Default 1,000. */
  maxOutputFiles?: number;
}

export const DEFAULT_OUTPUT_QUOTA: Required<OutputQuota> = { maxOutputBytes: 64 * 1024 ** 2, maxOutputFiles: 1_000 };

/** An entry of the outputs the host did not read, and why (a link, a hard link, a fifo...). */
export interface RefusedEntry {
  /** The guest's path: /metadata/... or /subcontent/... */
  path: string;
  reason: string;
}

/** Folders nested deeper than this are a flood too: their paths outgrow what the host's file calls take. */
export const MAX_SANDBOX_DEPTH = 64;

// O_NOFOLLOW: a link is refused by the kernel even if it appeared after lstat; O_NONBLOCK: opening a
// fifo does not wait for a writer. Both are 0 where the platform has none (lstat still guards).
const OPEN_NO_FOLLOW = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

export const mib = (bytes: number) => `${+(bytes / 1024 ** 2).toFixed(1)} MiB`;

/** Reads the output folders of one sandbox, counting against one quota (exported for its tests). */
export class OutputReader {
  readonly refused: RefusedEntry[] = [];
  private files = 0;
  private bytes = 0;

  constructor(
    private readonly dir: string,
    private readonly quota: Required<OutputQuota>,
  ) {}

  readFolder(folder: string): Record<string, Buffer> {
    const out: Record<string, Buffer> = {};
    const top = join(this.dir, folder);
    const walk = (relative: string, depth: number) => {
      const full = relative ? join(top, relative) : top;
      const path = `/${folder}${relative ? `/${relative}` : ''}`;
      const stats = lstatSync(full, { throwIfNoEntry: false });
      if (!stats) return; // the guest removed it: no outputs there
      if (stats.isDirectory()) {
        if (depth >= MAX_SANDBOX_DEPTH) return void this.refuse(path, `a folder nested more than ${MAX_SANDBOX_DEPTH} deep: not read`);
        for (const name of readdirSync(full).sort()) walk(relative ? `${relative}/${name}` : name, depth + 1);
        return;
      }
      if (!relative) return void this.refuse(path, `${kindOf(stats)} where the host made a folder: not read`);
      const bytes = this.readFile(full, path, stats);
      if (bytes) out[relative] = bytes;
    };
    walk('', 0);
    return out;
  }

  private refuse(path: string, reason: string): void {
    this.refused.push({ path, reason });
  }

  /**
   * A regular file with one name, opened without following a link (a link swapped in after the
   * lstat is refused by the open itself) and checked again on the open descriptor.
   */
  readFile(full: string, path: string, seen: Stats): Buffer | undefined {
    if (!seen.isFile()) return void this.refuse(path, refusal(seen));
    let fd: number;
    try {
      fd = openSync(full, OPEN_NO_FOLLOW);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOOP') return void this.refuse(path, LINK_REFUSED);
      throw error;
    }
    try {
      const stats = fstatSync(fd);
      if (!stats.isFile() || stats.nlink > 1) return void this.refuse(path, refusal(stats));
      const { maxOutputBytes, maxOutputFiles } = this.quota;
      if (++this.files > maxOutputFiles) throw new OutputQuotaError(`the outputs hold more than ${maxOutputFiles} files (output quota maxOutputFiles)`);
      if (this.bytes + stats.size > maxOutputBytes) throw new OutputQuotaError(`the outputs hold more than ${mib(maxOutputBytes)} (output quota maxOutputBytes)`);
      const bytes = Buffer.alloc(stats.size);
      let filled = 0;
      while (filled < bytes.length) {
        const read = readSync(fd, bytes, filled, bytes.length - filled, filled);
        if (read === 0) break;
        filled += read;
      }
      this.bytes += filled;
      return bytes.subarray(0, filled);
    } finally {
      closeSync(fd);
    }
  }
}

const LINK_REFUSED = 'a symbolic link: not followed (it could point at a host file)';

/** Why an entry that is not a regular file with one name is refused. */
function refusal(stats: Stats): string {
  if (stats.isSymbolicLink()) return LINK_REFUSED;
  if (stats.isFile()) return `a file with ${stats.nlink} names (hard links): not read (another name could be outside the outputs)`;
  return `${kindOf(stats)}: only regular files are read`;
}

function kindOf(stats: Stats): string {
  if (stats.isSymbolicLink()) return 'a symbolic link';
  if (stats.isFIFO()) return 'a fifo';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isFile()) return 'a file';
  return 'an entry of unknown kind';
}
