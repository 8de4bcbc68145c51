// Reactors pre-initialized at build time (the linker's snapshot): the interpreter started and the entry, numpy/pandas
// and the preimports imported before the snapshot. What belongs to an instance (environment,
// directories, random seeds, clock) must come from that instance, never from the build.
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stepOutputDir } from '@wasi-pystack/core';
import { bundle } from '@wasi-pystack/stub-bundler';
import { link, wasmExports } from '@wasi-pystack/linker';
import { expectNativeReports, REPORT_INPUTS } from './pandas-report-fixtures';
import { ROOT, RUNTIMES, requireModule } from './runtimes';

const REPORT = requireModule('test-projects/pandas-report/dist/pandas-report.wasm');
const PROBE = requireModule('test-projects/instance-probe/dist/instance-probe.wasm');

function inputs(n: number): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'probe-in-'));
  return Array.from({ length: n }, (_, i) => {
    const file = join(dir, `in${i}.bin`);
    writeFileSync(file, 'x'.repeat(i + 1));
    return file;
  });
}

describe('a snapshotted reactor as a file', () => {
  it('keeps _initialize and process, and drops the build-time wizer.initialize', () => {
    for (const m of [REPORT, PROBE]) {
      expect(wasmExports(m)).toEqual(expect.arrayContaining(['_initialize', 'process']));
      expect(wasmExports(m)).not.toContain('wizer.initialize');
    }
  });
});

describe.each(RUNTIMES)('snapshots under $name', (runtime) => {
  it('pandas-report in a fresh instance per input gives the same reports as native pandas', () => {
    const { results, stderr } = runtime.wadup(REPORT, join(mkdtempSync(join(tmpdir(), `snap-${runtime.name}-`)), 'sandbox'), REPORT_INPUTS, { fresh: true });
    expect(stderr).toBe('');
    expectNativeReports(results, REPORT_INPUTS);
  });

  it("gives every fresh instance its own random draws, environment and directories, not the build's", () => {
    const { results, stderr } = runtime.wadup(PROBE, join(mkdtempSync(join(tmpdir(), `probe-${runtime.name}-`)), 'sandbox'), inputs(3), { fresh: true, env: { PROBE_RUN: runtime.name } });
    expect(stderr).toBe('');
    const probes = results.map((r) => JSON.parse(r.metadata['probe.json']));
    expect(probes.map((p) => p.calls)).toEqual([1, 1, 1]);
    expect(new Set(probes.map((p) => p.random)).size).toBe(3);
    expect(new Set(probes.map((p) => p.np_random)).size).toBe(3);
    for (const p of probes) {
      expect(p.environ).toEqual({ PROBE_RUN: runtime.name });
      expect(p.root).toEqual(expect.arrayContaining(['data.bin', 'metadata']));
      expect(p.preimported).toEqual(['decimal', 'json', 'numpy']);
      // Imported at build time, called now: the clock is read when asked.
      expect(p.now).toBeGreaterThan(p.imported_at);
      expect(p.hash_randomized).toBe(1);
    }
  });

  it('survives 100 process() calls on one instance, drawing new numbers each time', () => {
    const { results, stderr } = runtime.wadup(PROBE, join(mkdtempSync(join(tmpdir(), `probe100-${runtime.name}-`)), 'sandbox'), inputs(100));
    expect(stderr).toBe('');
    const probes = results.map((r) => JSON.parse(r.metadata['probe.json']));
    expect(probes.map((p) => p.calls)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(probes.map((p) => p.bytes)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(new Set(probes.map((p) => p.np_random)).size).toBe(100);
  });
});

describe('a project whose import fails at build time', () => {
  it('gets one build error naming the module and the cause, and no module', async () => {
    const project = mkdtempSync(join(tmpdir(), 'broken-'));
    mkdirSync(join(project, 'src', 'broken'), { recursive: true });
    writeFileSync(join(project, 'pyproject.toml'), '[project]\nname = "broken"\n\n[tool.wasi-pystack]\nentry = "broken:main"\n');
    writeFileSync(join(project, 'src', 'broken', '__init__.py'), 'import not_bundled_anywhere\n\ndef main():\n    return 0\n');
    const python = stepOutputDir('python-wasi', 'default', ROOT);
    await bundle({ workspaceRoot: ROOT, inputs: [python], project, outDir: join(project, 'bundle') });
    const output = join(project, 'broken.wasm');
    await expect(link({ workspaceRoot: ROOT, inputs: [python], bundle: join(project, 'bundle'), kind: 'reactor', output, optimize: false })).rejects.toThrowError(
      /importing broken failed while taking the snapshot: ModuleNotFoundError: No module named 'not_bundled_anywhere'\nFix: make `import broken` work/,
    );
    expect(readdirSync(project)).not.toContain('broken.wasm');
  });
});
