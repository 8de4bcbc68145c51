import { readFileSync } from 'node:fs';

/** Log lines only, never what a step builds: not part of step keys (engine/code-identity.ts). */
const WASI_PYSTACK_KEY_NEUTRAL = true;

/** Build transcripts go to stderr so stdout stays free for results. */
export function log(message: string): void {
  process.stderr.write(`[wasi-pystack] ${message}\n`);
}

/** Brackets a piece of work in the log: "x ..." then "x done in N s". */
export async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const start = Date.now();
  log(`${label} ...`);
  const result = await work();
  log(`${label} done in ${((Date.now() - start) / 1000).toFixed(1)} s`);
  return result;
}

/**
 * CPU seconds used so far by this process and the children it waited for (every command a step
 * runs): Linux's /proc/self/stat utime, stime, cutime and cstime; this process alone elsewhere.
 */
export function cpuSeconds(): number {
  const own = process.cpuUsage();
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    // After the command name: state is field 3, so utime..cstime (fields 14-17) are at 11..14.
    const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
    return ticks / 100;
  } catch {
    return (own.user + own.system) / 1e6;
  }
}

/** Wall and CPU seconds of a piece of work, with the "x ..." / "x done in N s (CPU M s)" lines. */
export async function timedWithCpu(label: string, work: () => Promise<void> | void): Promise<{ seconds: number; cpuSeconds: number }> {
  const start = Date.now();
  const cpuStart = cpuSeconds();
  log(`${label} ...`);
  await work();
  const seconds = Math.round((Date.now() - start) / 100) / 10;
  const cpu = Math.round((cpuSeconds() - cpuStart) * 10) / 10;
  log(`${label} done in ${seconds.toFixed(1)} s (CPU ${cpu.toFixed(1)} s)`);
  return { seconds, cpuSeconds: cpu };
}
