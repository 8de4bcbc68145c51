// The sandbox on its own, with what a guest could leave in it made directly on the host: links,
// hard links, fifos, floods. tests/runtime/hostile-guest.test.ts runs the same attacks from a guest.
import { execFileSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SandboxLimitError, UnsafeOutputError } from './errors';
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
const collectError = () => {
  try {
    sandbox.collect();
  } catch (error) {
    return error as Error;
  }
  throw new Error('collect() did not fail');
};

describe('Sandbox', () => {
  it('collects regular files in folders: metadata as text, subcontent as bytes', () => {
    writeFileSync(inside('metadata', 'a.json'), '{"a": 1}');
    mkdirSync(inside('subcontent', 'part'));
    writeFileSync(inside('subcontent', 'part', 'b.bin'), Buffer.from([0, 1, 2]));
    expect(sandbox.collect()).toEqual({ metadata: { 'a.json': '{"a": 1}' }, subcontent: { 'part/b.bin': Buffer.from([0, 1, 2]) } });
  });

  it.each([
    ['a link to a host file', () => symlinkSync(secret, inside('metadata', 'leak')), '/metadata/leak is a symbolic link'],
    ['a link to a host folder', () => symlinkSync(host, inside('subcontent', 'host')), '/subcontent/host is a symbolic link'],
    ['an output folder replaced by a link', () => (rmSync(inside('metadata'), { recursive: true }), symlinkSync(host, inside('metadata'))), '/metadata is a symbolic link'],
  ])('refuses %s without reading through it', (_, make, start) => {
    make();
    const error = collectError();
    expect(error).toBeInstanceOf(UnsafeOutputError);
    expect(error.message).toBe(`${start}: only regular files and folders are collected from /metadata and /subcontent, and the host never follows a link the guest made`);
  });

  it('refuses a file with a second name', () => {
    writeFileSync(inside('metadata', 'a'), 'x');
    linkSync(inside('metadata', 'a'), inside('data-again'));
    expect(collectError().message).toBe('/metadata/a has 2 names (hard links): only files with one name are collected from /metadata and /subcontent');
  });

  it.runIf(process.platform !== 'win32')('refuses a fifo without waiting for a writer', () => {
    execFileSync('mkfifo', [inside('subcontent', 'pipe')]);
    expect(collectError().message).toMatch(/^\/subcontent\/pipe is a fifo: /);
  });

  it('measures bytes, entries and depth against its limits', () => {
    expect(sandbox.violation()).toBeUndefined();
    writeFileSync(inside('big'), Buffer.alloc((1 << 20) + 1));
    expect(sandbox.violation()).toBe('the sandbox holds more than 1 MiB (limit sandboxLimits.maxBytes)');
    expect(collectError()).toBeInstanceOf(SandboxLimitError);
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
