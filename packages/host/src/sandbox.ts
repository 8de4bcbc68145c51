// The folder that is a reactor's "/" for process(): the host writes /data.bin, the guest writes
// /metadata and /subcontent. Everything the guest left in it is hostile to the host: a link to a
// host file (the host would read or overwrite it), a file with a second name, a flood of bytes or
// files. So the host never follows a link in it, never writes over a name the guest could have
// made (everything is removed and created anew with O_EXCL), reads back regular files with one name
// only (anything else is refused, with the reason) within an output quota, and watches the sandbox's
// size while the guest runs.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, copyFileSync, fstatSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, writeFileSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutputQuotaError, SandboxLimitError } from './errors';

export interface SandboxLimits {
  /** Bytes the sandbox may hold (the input included), checked while the guest runs and on collection. Default 1 GiB. */
  maxBytes?: number;
  /** Files, folders and links the sandbox may hold. Default 10,000. */
  maxEntries?: number;
}

export const DEFAULT_SANDBOX_LIMITS: Required<SandboxLimits> = { maxBytes: 1024 ** 3, maxEntries: 10_000 };

/** Folders nested deeper than this are a flood too: their paths outgrow what the host's file calls take. */
export const MAX_SANDBOX_DEPTH = 64;

/** A path the host cannot name (past PATH_MAX) would hide what is below it from the watch. */
const TOO_LONG = 'the sandbox has a path longer than the host can name';

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

/** The outputs the host collects: folder -> relative file name -> contents, and what it refused. */
export interface SandboxOutputs {
  metadata: Record<string, string>;
  subcontent: Record<string, Buffer>;
  refused: RefusedEntry[];
}

const OUTPUT_FOLDERS = ['metadata', 'subcontent'] as const;
// O_NOFOLLOW: a link is refused by the kernel even if it appeared after lstat; O_NONBLOCK: opening a
// fifo does not wait for a writer. Both are 0 where the platform has none (lstat still guards).
const OPEN_NO_FOLLOW = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/** The defaults, with what was given in their place (a key given as undefined keeps its default). */
function withDefaults<T extends object>(defaults: Required<T>, given: T): Required<T> {
  return { ...defaults, ...Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)) };
}

const mib = (bytes: number) => `${+(bytes / 1024 ** 2).toFixed(1)} MiB`;

function kindOf(stats: Stats): string {
  if (stats.isSymbolicLink()) return 'a symbolic link';
  if (stats.isFIFO()) return 'a fifo';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isFile()) return 'a file';
  return 'an entry of unknown kind';
}

export class Sandbox {
  readonly dir: string;
  readonly limits: Required<SandboxLimits>;

  /** A new private folder (mode 0700) under `root` (default: the OS's temp folder). */
  constructor(root = tmpdir(), limits: SandboxLimits = {}) {
    mkdirSync(root, { recursive: true });
    this.dir = mkdtempSync(join(root, 'wasi-pystack-sandbox-'));
    this.limits = withDefaults(DEFAULT_SANDBOX_LIMITS, limits);
  }

  /**
   * Removes everything a previous run left (links are removed, never followed), then writes the
   * input as /data.bin and makes empty /metadata and /subcontent, each new (O_EXCL).
   */
  prepare(input: string | Uint8Array): void {
    this.empty();
    const data = join(this.dir, 'data.bin');
    if (typeof input === 'string') copyFileSync(input, data, constants.COPYFILE_EXCL);
    else writeFileSync(data, input, { flag: 'wx' });
    for (const sub of OUTPUT_FOLDERS) mkdirSync(join(this.dir, sub));
  }

  /** What breaks the limits now (bytes, entries, depth), or undefined. Stops counting at the first excess. */
  violation(): string | undefined {
    const { maxBytes, maxEntries } = this.limits;
    let bytes = 0;
    let entries = 0;
    const pending: [string, number][] = [[this.dir, 0]];
    while (pending.length) {
      const [dir, depth] = pending.pop()!;
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENAMETOOLONG') return TOO_LONG;
        continue; // removed while we looked (the guest is running)
      }
      for (const name of names) {
        if (++entries > maxEntries) return `the sandbox holds more than ${maxEntries} files and folders (limit sandboxLimits.maxEntries)`;
        let stats: Stats;
        try {
          stats = lstatSync(join(dir, name));
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENAMETOOLONG') return TOO_LONG;
          continue;
        }
        bytes += Math.max(stats.size, stats.blocks * 512);
        if (bytes > maxBytes) return `the sandbox holds more than ${mib(maxBytes)} (limit sandboxLimits.maxBytes)`;
        if (stats.isDirectory()) {
          if (depth + 1 >= MAX_SANDBOX_DEPTH) return `the sandbox has folders nested more than ${MAX_SANDBOX_DEPTH} deep`;
          pending.push([join(dir, name), depth + 1]);
        }
      }
    }
    return undefined;
  }

  /**
   * Reads /metadata (as text) and /subcontent (as bytes) within `quota`. What is not a regular file
   * with one name or a folder is refused (listed with the reason, never followed or read). Throws
   * SandboxLimitError when the sandbox is over its limits, OutputQuotaError past the quota (having
   * held at most the quota in memory).
   */
  collect(quota: OutputQuota = {}): SandboxOutputs {
    const over = this.violation();
    if (over) throw new SandboxLimitError(over);
    const reader = new OutputReader(this.dir, withDefaults(DEFAULT_OUTPUT_QUOTA, quota));
    const [metadata, subcontent] = OUTPUT_FOLDERS.map((folder) => reader.readFolder(folder));
    return {
      metadata: Object.fromEntries(Object.entries(metadata).map(([name, bytes]) => [name, bytes.toString('utf8')])),
      subcontent,
      refused: reader.refused,
    };
  }

  /** Removes the folder and everything in it (links removed, not followed). */
  remove(): void {
    removeTree(this.dir);
  }

  private empty(): void {
    for (const name of readdirSync(this.dir)) removeTree(join(this.dir, name));
  }
}

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

/**
 * rm -r without following links. Node's rmSync works by path and fails on paths longer than the
 * platform takes (a guest can nest folders faster than the watch sees them); rm(1) then finishes
 * the job from file descriptors.
 */
function removeTree(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true, maxRetries: 2 });
  } catch (error) {
    if (process.platform === 'win32') throw error;
    execFileSync('rm', ['-rf', '--', path], { stdio: 'ignore' });
  }
}
