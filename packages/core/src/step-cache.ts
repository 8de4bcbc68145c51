import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { log } from './log';
import { stepsDir } from './paths';

/**
 * A finished build step lives in <cache>/steps/<step>/<key>/, where key hashes everything that decides
 * its output (source sha256s, options, toolchain, recipe version). The step builds into a temporary
 * folder that is renamed into place only when it succeeded, so a failed or interrupted build never
 * leaves a half-written entry. A fresh clone on the same machine finds finished steps here.
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

const DONE_MARKER = '.step-complete.json';

export async function cachedStep(
  spec: StepSpec,
  build: (outDir: string, workDir: string, logFile: string) => Promise<void>,
): Promise<{ outDir: string; cached: boolean; logFile: string }> {
  const outDir = stepDir(spec);
  const logFile = `${outDir}.log`;
  if (existsSync(join(outDir, DONE_MARKER))) {
    log(`${spec.step}: reusing ${outDir}`);
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
    await build(tmpOut, workDir, logFile);
    const seconds = (Date.now() - started) / 1000;
    writeFileSync(join(tmpOut, DONE_MARKER), JSON.stringify({ step: spec.step, key: spec.key, seconds, finished: new Date().toISOString() }, null, 2));
    rmSync(outDir, { recursive: true, force: true });
    renameSync(tmpOut, outDir);
  } catch (e) {
    // The work folder stays for debugging; the output folder must not look finished.
    rmSync(tmpOut, { recursive: true, force: true });
    throw e;
  }
  if (!process.env.WASI_PYSTACK_KEEP_WORK) rmSync(workDir, { recursive: true, force: true });
  return { outDir, cached: false, logFile };
}

/**
 * Identity of a finished step's output (also when published elsewhere): later steps put it in their
 * cache keys, so they rebuild when it changes.
 */
export function stepOutputIdentity(outDir: string): string {
  return stepKey(readFileSync(join(outDir, DONE_MARKER), 'utf8'));
}

/** What a finished step recorded: its key and how long its cold build took. */
export function readStepRecord(outDir: string): { step: string; key: unknown; seconds?: number; finished: string } {
  return JSON.parse(readFileSync(join(outDir, DONE_MARKER), 'utf8'));
}
