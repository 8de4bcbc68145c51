import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { extractTarball } from '../extract';
import { fetchSource } from '../fetch';
import type { SourceEntry } from '../lock';
import { timedWithCpu } from '../log';
import { writeManifest, type BuildManifest } from '../manifest';
import { applyPatchFiles, patchFilesKey } from '../patches';
import { cachedStep } from '../step-cache';
import { BUILD_TOOLS, type Toolchain } from '../toolchain';
import { publishOutput } from '../workspace-output';
import { sourceDateEpoch, type BuildPaths } from '../build-paths';
import { codeIdentity } from './code-identity';

/**
 * The one step engine. Every compiled step (the build Python, C libraries, CPython's host build,
 * the packages) is a StepDefinition: what goes in (a recipe's content, a source, patches, the
 * toolchain, upstream identities, the code that builds it) and named phases that build it. The
 * engine keys the step cache by all of that, fetches and verifies the source, unpacks and patches
 * it, runs each phase timed and logged, records the phase times beside the finished entry, and
 * copies the result to where the caller wants it. The builders (builders/: cpython.ts, meson.ts,
 * setuptools.ts, c-extension.ts, c-libraries.ts, build-python.ts) only say what their phases do.
 */
export interface StepContext {
  /** The step's output folder (temporary until the step succeeds). */
  out: string;
  /** Scratch space: sources, build trees. Removed after success unless WASI_PYSTACK_KEEP_WORK. */
  work: string;
  /** The step's log: every command's transcript and output. */
  logFile: string;
  /** The unpacked, patched source (work/src), when the step has one. */
  src: string;
  /** The newest file time of the source as unpacked, before any patch (SOURCE_DATE_EPOCH). */
  sourceDateEpoch?: string;
  /** The one manifest writer: the step's manifest, in `out` or a folder below it. */
  writeManifest(manifest: Omit<BuildManifest, 'format'>, dir?: string): void;
}

export interface StepPhase {
  name: string;
  run(ctx: StepContext): Promise<void> | void;
  /**
   * Runs side by side with the concurrent phases next to it (the C libraries of one recipe file),
   * each writing its own log, which joins the step's log in phase order once the group is done.
   * The group is timed as one phase: "a ‖ b ‖ c".
   */
  concurrent?: boolean;
}

/** Consecutive concurrent phases form one group; every other phase is a group of its own. */
export function phaseGroups(phases: StepPhase[]): StepPhase[][] {
  const groups: StepPhase[][] = [];
  for (const phase of phases) {
    const last = groups[groups.length - 1];
    if (phase.concurrent && last?.[0].concurrent) last.push(phase);
    else groups.push([phase]);
  }
  return groups;
}

/** Runs a group of concurrent phases, each with its own log file, appended to the step's log in order. */
async function runConcurrently(group: StepPhase[], ctx: StepContext): Promise<void> {
  const logs = group.map((_, i) => `${ctx.logFile}.phase-${i}`);
  try {
    const results = await Promise.allSettled(group.map(async (phase, i) => phase.run({ ...ctx, logFile: logs[i] })));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  } finally {
    logs.forEach((log, i) => {
      appendFileSync(ctx.logFile, `\n=== ${group[i].name} ===\n`);
      if (existsSync(log)) {
        appendFileSync(ctx.logFile, readFileSync(log));
        rmSync(log);
      }
    });
  }
}

export interface StepDefinition {
  /** The step's name in the cache (steps/<step>/<key>). */
  step: string;
  /** How logs name it ("numpy 2.4.0"). */
  what: string;
  /** The recipe's content (never where its file lies). */
  recipe: unknown;
  /** Other things that decide the output: upstream step identities, library prefixes. */
  inputs?: Record<string, unknown>;
  /** The lock entry fetched, verified, unpacked into work/src and patched. */
  source?: SourceEntry;
  /** Patch files applied to the source in this order. */
  patches?: string[];
  toolchain?: Toolchain;
  /** Module files of the code that builds the step (the engine adds its own; relative imports count). */
  code: string[];
  phases: StepPhase[];
}

export interface StepResult {
  /** The finished entry in the step cache. */
  outDir: string;
  cached: boolean;
  logFile: string;
}

/** Everything that decides a step's output, as it goes into its cache key. */
export function stepKeyOf(def: StepDefinition): Record<string, unknown> {
  return {
    recipe: def.recipe,
    ...(def.inputs ? { inputs: def.inputs } : {}),
    ...(def.source ? { source: `${def.source.name}@${def.source.sha256}` } : {}),
    patches: patchFilesKey(def.patches ?? []),
    ...(def.toolchain ? { toolchain: def.toolchain.fingerprint } : {}),
    code: codeIdentity([...def.code, __filename]),
  };
}

/** Builds a step (or finds it in the step cache); see StepDefinition. */
export async function runStep(def: StepDefinition): Promise<StepResult> {
  return cachedStep({ step: def.step, key: stepKeyOf(def) }, async (out, work, logFile) => {
    // Wall and CPU seconds per phase, kept in the entry's record (bench/build-profile.mjs reads them).
    const phases: Record<string, { seconds: number; cpuSeconds: number }> = {};
    const timedPhase = async (name: string, work: () => Promise<void> | void) => {
      phases[name] = await timedWithCpu(`${def.what}: ${name}`, work);
    };
    const src = join(work, 'src');
    let epoch: string | undefined;
    if (def.source) {
      const source = def.source;
      await timedPhase('sources', async () => {
        extractTarball(await fetchSource(source), src, { tar: def.toolchain?.tar ?? BUILD_TOOLS.tar, logFile });
        // Before patching: a patched file's time is the build's, not the source's.
        epoch = sourceDateEpoch(src);
        if (def.patches?.length) await applyPatchFiles(src, def.patches, logFile, def.toolchain?.patch);
      });
    }
    const ctx: StepContext = {
      out, work, logFile, src, sourceDateEpoch: epoch,
      writeManifest: (manifest, dir = out) => void writeManifest(dir, manifest),
    };
    for (const group of phaseGroups(def.phases)) {
      if (group.length === 1) await timedPhase(group[0].name, () => group[0].run(ctx));
      else await timedPhase(group.map((p) => p.name).join(' ‖ '), () => runConcurrently(group, ctx));
    }
    return { phases };
  });
}

/** runStep, then the finished entry copied to `to` (an Nx target's output), free of build paths. */
export async function runStepInto(def: StepDefinition, to: string, paths: BuildPaths = {}): Promise<StepResult> {
  const result = await runStep(def);
  publishOutput(result.outDir, to, paths);
  return result;
}
