// The folder that is a reactor's "/" for process(): the host writes /data.bin, the guest writes
// /metadata and /subcontent. Everything the guest left in it is hostile to the host: a link to a
// host file (the host would read or overwrite it), a file with a second name, a flood of bytes or
// files. So the host never follows a link in it, never writes over a name the guest could have
// made (everything is removed and created anew with O_EXCL), collects regular files only, and
// watches its size while the guest runs.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, copyFileSync, fstatSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, writeFileSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxLimitError, UnsafeOutputError } from './errors';

export interface SandboxLimits {
  /** Bytes the sandbox may hold (the input included), checked while the guest runs and on collection. Default 1 GiB. */
  maxBytes?: number;
  /** Files, folders and links the sandbox may hold. Default 10,000. */
  maxEntries?: number;
}

export const DEFAULT_SANDBOX_LIMITS: Required<SandboxLimits> = { maxBytes: 1024 ** 3, maxEntries: 10_000 };

/** Folders nested deeper than this are a flood too: their paths outgrow what the host's file calls take. */
export const MAX_SANDBOX_DEPTH = 64;

/** The outputs the host collects: folder -> relative file name -> contents. */
export interface SandboxOutputs {
  metadata: Record<string, string>;
  subcontent: Record<string, Buffer>;
}

const OUTPUT_FOLDERS = ['metadata', 'subcontent'] as const;
// O_NOFOLLOW: a link is refused by the kernel even if it appeared after lstat; O_NONBLOCK: opening a
// fifo does not wait for a writer. Both are 0 where the platform has none (lstat still guards).
const OPEN_NO_FOLLOW = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

const mib = (bytes: number) => `${+(bytes / 1024 ** 2).toFixed(1)} MiB`;

function kindOf(stats: Stats): string {
  if (stats.isSymbolicLink()) return 'a symbolic link';
  if (stats.isFIFO()) return 'a fifo';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

export class Sandbox {
  readonly dir: string;
  readonly limits: Required<SandboxLimits>;

  /** A new private folder (mode 0700) under `root` (default: the OS's temp folder). */
  constructor(root = tmpdir(), limits: SandboxLimits = {}) {
    mkdirSync(root, { recursive: true });
    this.dir = mkdtempSync(join(root, 'wasi-pystack-sandbox-'));
    this.limits = { ...DEFAULT_SANDBOX_LIMITS, ...limits };
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
      } catch {
        continue; // removed while we looked (the guest is running)
      }
      for (const name of names) {
        if (++entries > maxEntries) return `the sandbox holds more than ${maxEntries} files and folders (limit sandboxLimits.maxEntries)`;
        let stats: Stats;
        try {
          stats = lstatSync(join(dir, name));
        } catch {
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
   * Reads /metadata (as text) and /subcontent (as bytes). Throws UnsafeOutputError for anything but
   * a regular file with one name or a folder, SandboxLimitError when the sandbox is over its limits.
   */
  collect(): SandboxOutputs {
    const over = this.violation();
    if (over) throw new SandboxLimitError(over);
    const [metadata, subcontent] = OUTPUT_FOLDERS.map((folder) => this.readFolder(folder));
    return {
      metadata: Object.fromEntries(Object.entries(metadata).map(([name, bytes]) => [name, bytes.toString('utf8')])),
      subcontent,
    };
  }

  /** Removes the folder and everything in it (links removed, not followed). */
  remove(): void {
    removeTree(this.dir);
  }

  private empty(): void {
    for (const name of readdirSync(this.dir)) removeTree(join(this.dir, name));
  }

  private readFolder(folder: string): Record<string, Buffer> {
    const out: Record<string, Buffer> = {};
    const top = join(this.dir, folder);
    const guestPath = (relative: string) => `/${folder}${relative ? `/${relative}` : ''}`;
    const walk = (relative: string) => {
      const full = relative ? join(top, relative) : top;
      const stats = lstatSync(full, { throwIfNoEntry: false });
      if (!stats) return; // the guest removed it: no outputs there
      if (stats.isDirectory()) {
        for (const name of readdirSync(full).sort()) walk(relative ? `${relative}/${name}` : name);
        return;
      }
      if (!stats.isFile()) throw new UnsafeOutputError(`${guestPath(relative)} is ${kindOf(stats)}: only regular files and folders are collected from /metadata and /subcontent, and the host never follows a link the guest made`);
      if (!relative) throw new UnsafeOutputError(`${guestPath(relative)} is a file: /metadata and /subcontent must be folders`);
      out[relative] = readRegularFile(full, guestPath(relative));
    };
    walk('');
    return out;
  }
}

/** Reads a regular file with one name, opened without following a link; anything else is unsafe. */
function readRegularFile(full: string, guestPath: string): Buffer {
  let fd: number;
  try {
    fd = openSync(full, OPEN_NO_FOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw new UnsafeOutputError(`${guestPath} is a symbolic link: only regular files and folders are collected from /metadata and /subcontent, and the host never follows a link the guest made`);
    throw error;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new UnsafeOutputError(`${guestPath} is ${kindOf(stats)}: only regular files and folders are collected from /metadata and /subcontent`);
    if (stats.nlink > 1) throw new UnsafeOutputError(`${guestPath} has ${stats.nlink} names (hard links): only files with one name are collected from /metadata and /subcontent`);
    const bytes = Buffer.alloc(stats.size);
    let filled = 0;
    while (filled < bytes.length) {
      const read = readSync(fd, bytes, filled, bytes.length - filled, filled);
      if (read === 0) break;
      filled += read;
    }
    return bytes.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
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
