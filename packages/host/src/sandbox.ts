// The folder that is a reactor's "/" for process(): the host writes /data.bin, the guest writes
// /metadata and /subcontent. Everything the guest left in it is hostile to the host: a link to a
// host file (the host would read or overwrite it), a file with a second name, a flood of bytes or
// files. So the host never follows a link in it, never writes over a name the guest could have
// made (everything is removed and created anew with O_EXCL), reads back regular files with one name
// only (anything else is refused, with the reason) within an output quota, and watches the sandbox's
// size while the guest runs.
import { execFileSync } from 'node:child_process';
import { constants, copyFileSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxLimitError } from './errors';
import { DEFAULT_OUTPUT_QUOTA, MAX_SANDBOX_DEPTH, mib, OutputReader, type OutputQuota, type RefusedEntry } from './outputs';

export { DEFAULT_OUTPUT_QUOTA, MAX_SANDBOX_DEPTH, type OutputQuota, type RefusedEntry } from './outputs';

export interface SandboxLimits {
  /** Bytes the sandbox may hold (the input included), checked while the guest runs and on collection. Default 1 GiB. */
  maxBytes?: number;
  /** Files, folders and links the sandbox may hold. Default 10,000. */
  maxEntries?: number;
}

export const DEFAULT_SANDBOX_LIMITS: Required<SandboxLimits> = { maxBytes: 1024 ** 3, maxEntries: 10_000 };


/** A path the host cannot name (past PATH_MAX) would hide what is below it from the watch. */
const TOO_LONG = 'the sandbox has a path longer than the host can name';

/** The outputs the host collects: folder -> relative file name -> contents, and what it refused. */
export interface SandboxOutputs {
  metadata: Record<string, string>;
  subcontent: Record<string, Buffer>;
  refused: RefusedEntry[];
}

const OUTPUT_FOLDERS = ['metadata', 'subcontent'] as const;

/** The defaults, with what was given in their place (a key given as undefined keeps its default). */
function withDefaults<T extends object>(defaults: Required<T>, given: T): Required<T> {
  return { ...defaults, ...Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)) };
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

  /**
   * What breaks the limits now (bytes, entries, depth), or undefined. Stops counting at the first
   * excess. It walks by path (Node has no readdir beneath a held descriptor) while the guest runs:
   * safe because a node:wasi guest cannot make a link (guest-imports.mjs); entries are lstat'ed.
   */
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
