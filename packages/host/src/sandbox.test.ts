// The sandbox on its own, with what a guest could leave in it made directly on the host: links,
// hard links, fifos, floods. tests/runtime/hostile-guest.test.ts runs the same attacks from a guest.
import { execFileSync } from 'node:child_process';
import { existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutputQuotaError, SandboxLimitError } from './errors';
import { DEFAULT_OUTPUT_QUOTA, OutputReader } from './outputs';
import { Sandbox } from './sandbox';

let host: string;
let secret: string;
let sandbox: Sandbox;

beforeEach(() => {
  host = mkdtempSync(join(tmpdir(), 'sandbox-test-host-'));
  secret = join(host, 'secret.txt');
  writeFileSync(secret, 'host secret');
  sandbox = new Sandbox(join(host, 'sandboxes'), { maxBytes: 1 << 20, maxEntries: 50 });
  sandbox.prepare(Buffer.from('input'));
});

afterEach(() => execFileSync('rm', ['-rf', host]));

const inside = (...parts: string[]) => join(sandbox.dir, ...parts);
describe('Sandbox', () => {
  it('collects regular files in folders: metadata as text, subcontent as bytes', () => {
    writeFileSync(inside('metadata', 'a.json'), '{"a": 1}');
    mkdirSync(inside('subcontent', 'part'));
    writeFileSync(inside('subcontent', 'part', 'b.bin'), Buffer.from([0, 1, 2]));
    expect(sandbox.collect()).toEqual({ metadata: { 'a.json': '{"a": 1}' }, subcontent: { 'part/b.bin': Buffer.from([0, 1, 2]) }, refused: [] });
  });

  it('refuses links, hard links and fifos with the reason, never reading through them, and reads the rest', () => {
    writeFileSync(inside('metadata', 'ok.txt'), 'fine');
    symlinkSync(secret, inside('metadata', 'leak'));
    symlinkSync(host, inside('subcontent', 'host'));
    writeFileSync(inside('subcontent', 'a'), 'x');
    linkSync(inside('subcontent', 'a'), inside('data-again'));
    execFileSync('mkfifo', [inside('subcontent', 'pipe')]);
    expect(sandbox.collect()).toEqual({
      metadata: { 'ok.txt': 'fine' },
      subcontent: {},
      refused: [
        { path: '/metadata/leak', reason: 'a symbolic link: not followed (it could point at a host file)' },
        { path: '/subcontent/a', reason: 'a file with 2 names (hard links): not read (another name could be outside the outputs)' },
        { path: '/subcontent/host', reason: 'a symbolic link: not followed (it could point at a host file)' },
        { path: '/subcontent/pipe', reason: 'a fifo: only regular files are read' },
      ],
    });
  });

  it('refuses an output folder replaced by a link', () => {
    rmSync(inside('metadata'), { recursive: true });
    symlinkSync(host, inside('metadata'));
    expect(sandbox.collect().refused).toEqual([{ path: '/metadata', reason: 'a symbolic link where the host made a folder: not read' }]);
  });

  it('a link swapped in after the check is refused by the open itself', () => {
    // The guest is never running while the host reads; this stands for a swap between lstat and open.
    writeFileSync(inside('metadata', 'swap'), 'x');
    const seen = lstatSync(inside('metadata', 'swap'));
    rmSync(inside('metadata', 'swap'));
    symlinkSync(secret, inside('metadata', 'swap'));
    const reader = new OutputReader(sandbox.dir, DEFAULT_OUTPUT_QUOTA);
    expect(reader.readFile(inside('metadata', 'swap'), '/metadata/swap', seen)).toBeUndefined();
    expect(reader.refused).toEqual([{ path: '/metadata/swap', reason: 'a symbolic link: not followed (it could point at a host file)' }]);
  });

  it('ends past the output quota, having read at most the quota', () => {
    for (let i = 0; i < 3; i++) writeFileSync(inside('subcontent', `f${i}`), Buffer.alloc(1000));
    expect(() => sandbox.collect({ maxOutputFiles: 2 })).toThrow(new OutputQuotaError('the outputs hold more than 2 files (output quota maxOutputFiles)'));
    expect(() => sandbox.collect({ maxOutputBytes: 2500 })).toThrow(new OutputQuotaError('the outputs hold more than 0 MiB (output quota maxOutputBytes)'));
    expect(Object.keys(sandbox.collect({ maxOutputBytes: 3000, maxOutputFiles: 3 }).subcontent)).toHaveLength(3);
  });

  it('measures bytes, entries and depth against its limits', () => {
    expect(sandbox.violation()).toBeUndefined();
    writeFileSync(inside('big'), Buffer.alloc((1 << 20) + 1));
    expect(sandbox.violation()).toBe('the sandbox holds more than 1 MiB (limit sandboxLimits.maxBytes)');
    expect(() => sandbox.collect()).toThrow(SandboxLimitError);
    rmSync(inside('big'));
    for (let i = 0; i < 60; i++) writeFileSync(inside('metadata', `f${i}`), '');
    expect(sandbox.violation()).toBe('the sandbox holds more than 50 files and folders (limit sandboxLimits.maxEntries)');
  });

  it('prepare() replaces what the guest left without following or writing through it', () => {
    const target = join(host, 'target.txt');
    writeFileSync(target, 'unchanged');
    rmSync(inside('data.bin'));
    symlinkSync(target, inside('data.bin'));
    rmSync(inside('subcontent'), { recursive: true });
    symlinkSync(host, inside('subcontent'));
    linkSync(target, inside('hard'));
    sandbox.prepare(Buffer.from('next input'));
    expect(readFileSync(target, 'utf8')).toBe('unchanged');
    expect(readdirSync(host).sort()).toEqual(['sandboxes', 'secret.txt', 'target.txt']);
    expect(readdirSync(sandbox.dir).sort()).toEqual(['data.bin', 'metadata', 'subcontent']);
    expect(readFileSync(inside('data.bin'), 'utf8')).toBe('next input');
  });

  it.runIf(process.platform !== 'win32')('remove() deletes trees deeper than a path can name', () => {
    // 30 folders of 200 letters: 6,000 bytes of path, past Linux's 4,096 (made by relative steps).
    const nest = `process.chdir(${JSON.stringify(sandbox.dir)}); for (let i = 0; i < 30; i++) { fs.mkdirSync('${'d'.repeat(200)}'); process.chdir('${'d'.repeat(200)}'); }`;
    execFileSync(process.execPath, ['-e', nest]);
    sandbox.remove();
    expect(existsSync(sandbox.dir)).toBe(false);
  });
});
