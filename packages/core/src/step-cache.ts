import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { join } from 'node:path';
import { log } from './log';
import { stepsDir } from './workspace-facts';

/**
 * A finished build step lives in <cache>/steps/<step>/<key>/, where key hashes everything that decides
 * its output (source sha256s, options, toolchain, recipe version). The step builds into a temporary
 * folder that is renamed into place only when it succeeded, so a failed or interrupted build never
 * leaves a half-written entry. A fresh clone on the same machine finds finished steps here.
 *
 * Builds of one entry from several processes at once (two clones, two CI jobs on one machine) are
 * serialized by a lock file beside the entry: the first builds, the others wait and then reuse its
 * result. A lock whose process is gone is taken over.
 */
export interface StepSpec {
  step: string;
  /** Anything JSON-serializable that determines the output. */
  key: unknown;
  cacheRoot?: string;
}

export function stepKey(key: unknown): string {
  return createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 20);
}

export function stepDir(spec: StepSpec): string {
  return join(stepsDir(spec.cacheRoot), spec.step, stepKey(spec.key));
}

export const DONE_MARKER = '.step-complete.json';

/** Whether a process of this machine is running (a lock's owner, a build's). */
export const processAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `work` holding `<entry>.lock` (created exclusively; holds the owner's pid). */
export async function withStepLock<T>(outDir: string, work: () => Promise<T>, pollMs = 500): Promise<T> {
  const lockFile = `${outDir}.lock`;
  mkdirSync(dirname(lockFile), { recursive: true });
  let announced = false;
  for (;;) {
    try {
      const fd = openSync(lockFile, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = Number(existsSync(lockFile) ? readFileSync(lockFile, 'utf8') : NaN);
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && !processAlive(owner)) {
      rmSync(lockFile, { force: true }); // its process died mid-build
      continue;
    }
    if (!announced) log(`waiting for process ${owner || '?'} building ${outDir}`);
    announced = true;
    await sleep(pollMs);
  }
  try {
    return await work();
  } finally {
    rmSync(lockFile, { force: true });
  }
}

/** The marker's time is when the entry was last used (cache pruning reads it); best effort. */
function markUsed(outDir: string): void {
  const now = new Date();
  try {
    utimesSync(join(outDir, DONE_MARKER), now, now);
  } catch {
    // a read-only or shared cache: the entry is still valid
  }
}

export async function cachedStep(
  spec: StepSpec,
  build: (outDir: string, workDir: string, logFile: string) => Promise<void | Record<string, unknown>>,
): Promise<{ outDir: string; cached: boolean; logFile: string }> {
  const outDir = stepDir(spec);
  const logFile = `${outDir}.log`;
  const finished = () => existsSync(join(outDir, DONE_MARKER));
  if (finished()) {
    log(`${spec.step}: reusing ${outDir}`);
    markUsed(outDir);
    return { outDir, cached: true, logFile };
  }
  return withStepLock(outDir, async () => {
    if (finished()) {
      log(`${spec.step}: reusing ${outDir} (built meanwhile by another process)`);
      return { outDir, cached: true, logFile };
    }
    const tmpOut = `${outDir}.tmp-${process.pid}`;
    const workDir = `${outDir}.work`;
    rmSync(tmpOut, { recursive: true, force: true });
    rmSync(workDir, { recursive: true, force: true });
    rmSync(logFile, { force: true });
    mkdirSync(tmpOut, { recursive: true });
    mkdirSync(workDir, { recursive: true });
    try {
      log(`${spec.step}: building (log: ${logFile})`);
      const started = Date.now();
      const extra = (await build(tmpOut, workDir, logFile)) || {};
      const seconds = (Date.now() - started) / 1000;
      writeFileSync(join(tmpOut, DONE_MARKER), JSON.stringify({ step: spec.step, key: spec.key, seconds, finished: new Date().toISOString(), ...extra }, null, 2));
      rmSync(outDir, { recursive: true, force: true });
      renameSync(tmpOut, outDir);
    } catch (e) {
      // The work folder stays for debugging; the output folder must not look finished.
      rmSync(tmpOut, { recursive: true, force: true });
      throw e;
    }
    if (!process.env.WASI_PYSTACK_KEEP_WORK) rmSync(workDir, { recursive: true, force: true });
    return { outDir, cached: false, logFile };
  });
}

/**
 * Identity of a finished step's output (also when published elsewhere): later steps put it in their
 * cache keys, so they rebuild when it changes. It is the step and its key — what went in — never when
 * or where it was built, so two machines that built the same inputs agree on it.
 */
export function stepOutputIdentity(outDir: string): string {
  const record = JSON.parse(readFileSync(join(outDir, DONE_MARKER), 'utf8'));
  return stepKey({ step: record.step, key: record.key });
}

/** What a finished step recorded: its key and how long its cold build took. */
export function readStepRecord(outDir: string): { step: string; key: unknown; seconds?: number; finished: string; phases?: Record<string, { seconds: number; cpuSeconds: number }> } {
  return JSON.parse(readFileSync(join(outDir, DONE_MARKER), 'utf8'));
}
