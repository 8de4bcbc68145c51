// Prints figures, asserts nothing: the profile of the step-cache entries built since a time (default:
// the last 3 hours), from their records: each step's wall and CPU seconds and each phase's, in the
// order they finished, with the CPU use against this machine's cores (2 cores: 200 % is all of it).
// Usage: node bench/build-profile.mjs [--since 2026-12-04T16:30:00Z]
import { existsSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { readStepRecord, stepsDir } from '@wasi-pystack/core';

const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const since = new Date(arg('--since') ?? Date.now() - 3 * 3600 * 1000);
const cores = availableParallelism();
const pct = (cpu, wall) => (wall > 0 ? `${Math.round((100 * cpu) / wall)} %` : '-');

const entries = [];
for (const step of existsSync(stepsDir()) ? readdirSync(stepsDir()) : []) {
  for (const entry of readdirSync(join(stepsDir(), step))) {
    const dir = join(stepsDir(), step, entry);
    if (entry.includes('.') || !statSync(dir).isDirectory()) continue;
    try {
      const record = readStepRecord(dir);
      if (new Date(record.finished) >= since) entries.push(record);
    } catch {
      // not finished, or not a step entry
    }
  }
}
entries.sort((a, b) => new Date(a.finished) - new Date(b.finished));
console.log(`## Steps built since ${since.toISOString()} (${cores} cores)`);
console.log('| step | finished | wall s | CPU s | CPU use |');
console.log('|---|---|---:|---:|---:|');
let wall = 0;
let cpu = 0;
for (const r of entries) {
  // Records written before the engine kept CPU times have phase seconds only, or none.
  const timed = r.phases && Object.values(r.phases).every((p) => typeof p === 'object');
  const phaseCpu = timed ? Object.values(r.phases).reduce((s, p) => s + p.cpuSeconds, 0) : 0;
  wall += r.seconds ?? 0;
  cpu += phaseCpu;
  console.log(`| ${r.step} | ${r.finished.slice(11, 19)} | ${(r.seconds ?? 0).toFixed(1)} | ${timed ? phaseCpu.toFixed(1) : '?'} | ${timed ? pct(phaseCpu, r.seconds) : '?'} |`);
  for (const [name, p] of Object.entries(r.phases ?? {})) {
    if (typeof p !== 'object') continue;
    console.log(`| &nbsp;&nbsp;${name} | | ${p.seconds.toFixed(1)} | ${p.cpuSeconds.toFixed(1)} | ${pct(p.cpuSeconds, p.seconds)} |`);
  }
}
console.log(`| **sum of steps** | | ${wall.toFixed(1)} | ${cpu.toFixed(1)} | ${pct(cpu, wall)} of ${cores * 100} % |`);
