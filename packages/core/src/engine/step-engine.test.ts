import { mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { queryCommand } from '../run';
import { readStepRecord } from '../step-cache';
import { codeIdentity, moduleClosure } from './code-identity';
import { runStep, stepKeyOf, type StepDefinition } from './step-engine';

function moduleTree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'code-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('codeIdentity', () => {
  it('covers a module and what it imports by relative path, by content and not by place', () => {
    const a = moduleTree({ 'main.js': 'const x = require("./helper");', 'helper.js': 'module.exports = 1;', 'unused.js': 'x' });
    const b = moduleTree({ 'main.js': 'const x = require("./helper");', 'helper.js': 'module.exports = 1;' });
    expect(moduleClosure([join(a, 'main.js')]).map((f) => f.slice(a.length + 1))).toEqual(['helper.js', 'main.js']);
    expect(codeIdentity([join(a, 'main.js')])).toBe(codeIdentity([join(b, 'main.js')]));
    const c = moduleTree({ 'main.js': 'const x = require("./helper");', 'helper.js': 'module.exports = 2;' });
    expect(codeIdentity([join(c, 'main.js')])).not.toBe(codeIdentity([join(a, 'main.js')]));
  });

  it('is the same whether the TypeScript source runs (Nx in this workspace) or its built JavaScript (an installed package)', () => {
    // A package laid out as ours are: src/*.ts built into dist/*.js.
    const pkg = mkdtempSync(join(tmpdir(), 'pkg-'));
    mkdirSync(join(pkg, 'src'));
    mkdirSync(join(pkg, 'dist'));
    writeFileSync(join(pkg, 'src', 'main.ts'), 'import { h } from "./helper";');
    writeFileSync(join(pkg, 'src', 'helper.ts'), 'export const h = 1;');
    writeFileSync(join(pkg, 'dist', 'main.js'), 'const helper_1 = require("./helper");');
    writeFileSync(join(pkg, 'dist', 'helper.js'), 'exports.h = 1;');
    const installed = moduleTree({ 'main.js': 'const helper_1 = require("./helper");', 'helper.js': 'exports.h = 1;' });
    expect(codeIdentity([join(pkg, 'src', 'main.ts')])).toBe(codeIdentity([join(installed, 'main.js')]));
    // A source edited after the last build is hashed as it is: a new key, never a stale one.
    const later = new Date(Date.now() + 60_000);
    writeFileSync(join(pkg, 'src', 'helper.ts'), 'export const h = 2;');
    utimesSync(join(pkg, 'src', 'helper.ts'), later, later);
    expect(moduleClosure([join(pkg, 'src', 'main.ts')]).map((f) => f.slice(pkg.length + 1))).toEqual(['dist/main.js', 'src/helper.ts']);
  });

  it('leaves out modules that say they cannot change what a step builds (log lines), with their imports', () => {
    const logs = (text: string) => moduleTree({ 'main.js': 'require("./log");', 'log.js': `const WASI_PYSTACK_KEY_NEUTRAL = true;\nrequire("./format");\n${text}`, 'format.js': 'x' });
    const [one, two] = [logs('exports.log = (m) => m;'), logs('exports.log = (m) => `[x] ${m}`;')];
    expect(moduleClosure([join(one, 'main.js')]).map((f) => f.slice(one.length + 1))).toEqual(['main.js']);
    expect(codeIdentity([join(one, 'main.js')])).toBe(codeIdentity([join(two, 'main.js')]));
  });
});

describe('runStep', () => {
  const root = mkdtempSync(join(tmpdir(), 'engine-'));
  process.env.WASI_PYSTACK_CACHE = root;
  const definition = (over: Partial<StepDefinition> = {}): StepDefinition => ({
    step: 'demo',
    what: 'demo 1.0',
    recipe: { flags: ['-O2'] },
    code: [__filename],
    phases: [
      { name: 'write', run: ({ out }) => writeFileSync(join(out, 'result.txt'), 'built') },
      { name: 'manifest', run: ({ writeManifest }) => writeManifest({ name: 'demo', version: '1.0', libraries: [], linkArgs: [], modules: [], pythonRoots: [], includeDirs: [], facts: {} }) },
    ],
    ...over,
  });

  it('keys a step by its recipe, patches and code, runs its phases once and records their times', async () => {
    expect(stepKeyOf(definition())).toMatchObject({ recipe: { flags: ['-O2'] }, patches: [] });
    expect(stepKeyOf(definition({ recipe: { flags: ['-Os'] } }))).not.toEqual(stepKeyOf(definition()));
    const first = await runStep(definition());
    expect(first.cached).toBe(false);
    expect(readFileSync(join(first.outDir, 'result.txt'), 'utf8')).toBe('built');
    expect(JSON.parse(readFileSync(join(first.outDir, 'wasi-manifest.json'), 'utf8')).format).toBe('wasi-pystack-manifest/1');
    const phases = readStepRecord(first.outDir).phases ?? {};
    expect(Object.keys(phases)).toEqual(['write', 'manifest']);
    expect(phases.write).toEqual({ seconds: expect.any(Number), cpuSeconds: expect.any(Number) });
    const again = await runStep(definition({ phases: [{ name: 'never', run: () => { throw new Error('ran again'); } }] }));
    expect(again).toMatchObject({ cached: true, outDir: first.outDir });
  });

  it('runs consecutive concurrent phases side by side, each with its own log joined in order', async () => {
    let releaseFirst!: () => void;
    const secondStarted = new Promise<void>((resolve) => (releaseFirst = resolve));
    const phase = (name: string, run: (log: string) => Promise<void> | void) => ({ name, concurrent: true, run: ({ logFile }: { logFile: string }) => run(logFile) });
    const result = await runStep(definition({
      recipe: { concurrent: true },
      phases: [
        // The first finishes only once the second has started: run one after the other, they would hang.
        phase('first', async (log) => { await secondStarted; writeFileSync(log, 'first output\n'); }),
        phase('second', (log) => { writeFileSync(log, 'second output\n'); releaseFirst(); }),
        ...definition().phases,
      ],
    }));
    expect(Object.keys(readStepRecord(result.outDir).phases ?? {})).toEqual(['first ‖ second', 'write', 'manifest']);
    const log = readFileSync(result.logFile, 'utf8');
    expect(log.indexOf('first output')).toBeGreaterThan(-1);
    expect(log.indexOf('first output')).toBeLessThan(log.indexOf('second output'));
  });

  it('fails a concurrent group when one of its phases fails, after the others have finished', async () => {
    let otherFinished = false;
    const group = [
      { name: 'breaks', concurrent: true, run: () => { throw new Error('sqlite failed'); } },
      { name: 'finishes', concurrent: true, run: async () => { await new Promise((r) => setTimeout(r, 50)); otherFinished = true; } },
    ];
    await expect(runStep(definition({ recipe: { concurrentFailure: true }, phases: group }))).rejects.toThrow('sqlite failed');
    expect(otherFinished).toBe(true);
  });

  it('leaves no entry behind when a phase fails', async () => {
    const failing = definition({ recipe: { broken: true }, phases: [{ name: 'fail', run: () => { throw new Error('compile failed'); } }] });
    await expect(runStep(failing)).rejects.toThrow('compile failed');
    const again = await runStep({ ...failing, phases: definition().phases });
    expect(again.cached).toBe(false);
  });

  it('unpacks and patches the source, taking the source date from before the patches', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'source-'));
    mkdirSync(join(dir, 'pkg-1.0'));
    writeFileSync(join(dir, 'pkg-1.0', 'a.txt'), 'one\n');
    utimesSync(join(dir, 'pkg-1.0', 'a.txt'), new Date(1_000_000_000_000), new Date(1_000_000_000_000));
    queryCommand({ argv: ['tar', '-czf', join(dir, 'pkg-1.0.tar.gz'), '-C', dir, 'pkg-1.0'], cwd: dir });
    const sha256 = (await import('node:crypto')).createHash('sha256').update(readFileSync(join(dir, 'pkg-1.0.tar.gz'))).digest('hex');
    mkdirSync(join(root, 'sources'), { recursive: true });
    writeFileSync(join(root, 'sources', 'pkg-1.0.tar.gz'), readFileSync(join(dir, 'pkg-1.0.tar.gz')));
    const patch = join(dir, '0001-two.patch');
    writeFileSync(patch, 'Reason: a test.\n\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-one\n+two\n');
    let seen: { text: string; epoch?: string } = { text: '' };
    await runStep(definition({
      source: { name: 'pkg', version: '1.0', file: 'pkg-1.0.tar.gz', sha256, mirrors: ['https://example.invalid/pkg-1.0.tar.gz'] },
      patches: [patch],
      phases: [{ name: 'look', run: ({ src, sourceDateEpoch }) => void (seen = { text: readFileSync(join(src, 'a.txt'), 'utf8'), epoch: sourceDateEpoch }) }],
    }));
    expect(seen).toEqual({ text: 'two\n', epoch: '1000000000' });
  });
});
