// A hostile guest against its hosts: test-projects/hostile-guest runs each input as a Python program
// inside its sandbox, so these inputs are what an attacker who controls the module can do. Whatever
// the guest leaves in its sandbox (links to host files, hard links, floods, forged result lines) must
// not make the host read, overwrite or fill anything outside it, under wasmtime and under Node.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { RUNTIMES, requireModule, type Runtime, type WadupOptions, type WadupResult } from './runtimes';

const GUEST = requireModule('test-projects/hostile-guest/dist/hostile-guest.wasm');
const LIMITS = { deadlineMs: 60_000, maxMemory: '512MiB' };
const TOKEN = `host-secret-${randomBytes(8).toString('hex')}`;
const ORIGINAL = 'the host wrote this and nobody else may change it\n';

let work: string;
/** Host files the guest must neither read nor change: a secret, a file to overwrite, a folder. */
let secret: string;
let target: string;
let hostFolder: string;

/**
 * Helpers every attack program starts with. `up` climbs out of the sandbox by its letters (any
 * engine refuses that); `chain()` makes "/hostroot" a link that stays inside by its letters but is
 * the host's "/" to a kernel that resolves the folders of a path itself: a folder link "/c/x" to
 * "." counts as a level for the letters and as none for the kernel.
 */
const prelude = () => `
import json, os
SECRET, TARGET, HOST_FOLDER = ${JSON.stringify(secret)}, ${JSON.stringify(target)}, ${JSON.stringify(hostFolder)}
UP = "../" * 30
log = {}
def attempt(name, fn):
    try:
        value = fn()
        log[name] = "ok" if value is None else ("ok: " + repr(value)[:300])
    except Exception as e:
        log[name] = type(e).__name__
def chain():
    os.makedirs("/c", exist_ok=True)
    os.symlink(".", "/c/x")
    os.symlink("c/" + "x/" * 20 + "../" * 21, "/hostroot")
def read(path):
    with open(path) as f:
        return f.read()
def write(path, text):
    with open(path, "w") as f:
        f.write(text)
def save_log():
    write("/metadata/log.json", json.dumps(log, sort_keys=True))
`;

const program = (name: string, body: string) => {
  const path = join(work, name);
  writeFileSync(path, `${prelude()}\n${body}\n`);
  return path;
};

const ordinary = () => program('ordinary.py', 'write("/metadata/ok.txt", "fine " + str(sorted(os.listdir("/"))))\nsave_log()');

/** Runs the inputs through the runtime's --wadup host; whatever they did, the host is intact after. */
function wadup(runtime: Runtime, name: string, inputs: string[], options: WadupOptions = {}) {
  const root = mkdtempSync(join(work, `${name}-${runtime.name}-`));
  const run = runtime.wadup(GUEST, root, inputs, { ...LIMITS, ...options });
  expect(run.results.map((r) => r.input)).toEqual(inputs);
  expectHostIntact(run);
  return { ...run, root };
}

/** The host is intact: the secret was never read, the files were never changed. */
function expectHostIntact(run: { stdout: string; stderr: string }) {
  expect(run.stdout).not.toContain(TOKEN);
  expect(run.stderr).not.toContain(TOKEN);
  expect(readFileSync(target, 'utf8')).toBe(ORIGINAL);
  expect(readFileSync(secret, 'utf8')).toBe(`${TOKEN}\n`);
  expect(readdirSync(hostFolder).sort()).toEqual(['keep.txt']);
}

const log = (r: WadupResult) => JSON.parse(r.metadata['log.json']) as Record<string, string>;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'hostile-guest-'));
  const host = mkdtempSync(join(tmpdir(), 'host-files-'));
  secret = join(host, 'secret.txt');
  target = join(host, 'target.txt');
  hostFolder = mkdtempSync(join(tmpdir(), 'host-folder-'));
  writeFileSync(secret, `${TOKEN}\n`);
  writeFileSync(target, ORIGINAL);
  writeFileSync(join(hostFolder, 'keep.txt'), 'keep');
});

describe.each(RUNTIMES)('a hostile guest under the $name host', (runtime) => {
  it.each([false, true])('cannot open host files through links it makes (node:wasi lets the kernel resolve them: the host refuses symlinks; fresh instance: %s)', (fresh) => {
    const attack = program(
      'direct.py',
      `attempt("chain", chain)
attempt("read", lambda: read("/hostroot" + SECRET))
attempt("write", lambda: write("/hostroot" + TARGET, "overwritten by the guest"))
attempt("hard link", lambda: os.link("/hostroot" + TARGET, "/hard"))
attempt("read by letters", lambda: read("/" + UP + SECRET))
save_log()`,
    );
    const run = wadup(runtime, 'direct', [attack], { fresh });
    expectHostIntact(run);
    const [result] = run.results;
    expect(result.error).toBeUndefined();
    const attempts = log(result);
    for (const name of ['read', 'write', 'hard link', 'read by letters']) expect(attempts[name]).not.toMatch(/^ok/);
    if (runtime.name === 'node') expect(attempts.chain).toBe('PermissionError');
  });

  it.each([false, true])('cannot make the host read a host file: a link among its outputs is refused, not followed (fresh instance: %s)', (fresh) => {
    const attack = program(
      'outputs.py',
      `attempt("file link", lambda: os.symlink(UP + SECRET.lstrip("/"), "/metadata/leak"))
attempt("absolute link", lambda: os.symlink(SECRET, "/metadata/absolute"))
attempt("folder link", lambda: os.symlink(UP, "/subcontent/hostroot"))
save_log()`,
    );
    const swap = program(
      'swap.py',
      `import shutil
shutil.rmtree("/metadata")
attempt("metadata as a link", lambda: os.symlink(UP + HOST_FOLDER.lstrip("/"), "/metadata"))`,
    );
    const run = wadup(runtime, 'outputs', [attack, swap, ordinary()], { fresh });
    expectHostIntact(run);
    const [links, swapped, after] = run.results;
    if (runtime.name === 'node') {
      // No link could be made: the outputs are the guest's own log of its refused attempts.
      expect(log(links)).toEqual({ 'file link': 'PermissionError', 'absolute link': 'PermissionError', 'folder link': 'PermissionError' });
      expect(links.refused).toBeUndefined();
      expect(swapped.metadata).toEqual({});
    } else {
      // wasmtime lets the guest make links that point out of its folder: the host lists them, unread.
      // (It refuses an absolute target itself.)
      expect(log(links)).toEqual({ 'file link': 'ok', 'absolute link': 'PermissionError', 'folder link': 'ok' });
      expect(links.refused).toEqual([
        { path: '/metadata/leak', reason: 'a symbolic link: not followed (it could point at a host file)' },
        { path: '/subcontent/hostroot', reason: 'a symbolic link: not followed (it could point at a host file)' },
      ]);
      expect(swapped.refused).toEqual([{ path: '/metadata', reason: 'a symbolic link where the host made a folder: not read' }]);
    }
    // The next input on the same instance gets a clean sandbox.
    expect(after.metadata['ok.txt']).toBe("fine ['data.bin', 'metadata', 'subcontent']");
  });

  it.each([false, true])('cannot make the host overwrite a host file through the names it leaves for the next input (fresh instance: %s)', (fresh) => {
    const plant = program(
      'plant.py',
      `os.remove("/data.bin")
attempt("input as a link", lambda: os.symlink(UP + TARGET.lstrip("/"), "/data.bin"))
if not os.path.lexists("/data.bin"):
    attempt("input as a chained link", lambda: (chain(), os.symlink("hostroot" + TARGET, "/data.bin")))
os.rmdir("/subcontent")
attempt("outputs as a link", lambda: os.symlink(UP + HOST_FOLDER.lstrip("/"), "/subcontent"))
save_log()`,
    );
    const run = wadup(runtime, fresh ? 'plant-fresh' : 'plant', [plant, ordinary(), ordinary()], { fresh });
    expectHostIntact(run);
    const [, next, last] = run.results;
    for (const r of [next, last]) expect(r.metadata['ok.txt']).toBe("fine ['data.bin', 'metadata', 'subcontent']");
  });

  it.each([false, true])('a file with a second name (a hard link) among its outputs is refused, the rest is read (fresh instance: %s)', (fresh) => {
    const attack = program('hardlink.py', 'os.link("/data.bin", "/subcontent/program.py")\nsave_log()');
    const [result] = wadup(runtime, 'hardlink', [attack], { fresh }).results;
    expect(result.refused).toEqual([{ path: '/subcontent/program.py', reason: 'a file with 2 names (hard links): not read (another name could be outside the outputs)' }]);
    expect(result.subcontent).toEqual([]);
    expect(Object.keys(result.metadata)).toEqual(['log.json']);
  });

  it('outputs past the output quota end the input with an error naming the quota; long names are read', () => {
    const files = program('many-outputs.py', 'for i in range(1001):\n    open(f"/subcontent/{i}", "w").close()');
    const bytes = program('big-outputs.py', 'for i in range(3):\n    write(f"/subcontent/{i}", "x" * (30 << 20))');
    const long = program('long-name.py', 'write("/metadata/" + "n" * 255, "long")');
    // Paths the host cannot name (past 4096 bytes) would hide what is below them from the watch:
    // node:wasi cannot make them (the guest's makedirs fails), wasmtime can (the run is stopped).
    const deep = program('long-path.py', 'os.makedirs("/subcontent/" + "/".join(["d" * 200] * 25))');
    const run = wadup(runtime, 'quota', [files, ordinary(), bytes, ordinary(), long, deep]);
    const [many, afterMany, big, afterBig, named, nested] = run.results;
    if (runtime.name === 'node') expect(nested.rc).toBe(1);
    else expect(nested.error?.message).toMatch(/^the sandbox has a path longer than the host can name/);
    const quota = runtime.name === 'node' ? ['maxOutputFiles', 'maxOutputBytes'] : ['max_output_files', 'max_output_bytes'];
    expect(many.error).toEqual({ reason: 'output-quota', message: `the outputs hold more than 1000 files (output quota ${quota[0]})` });
    expect(big.error).toEqual({ reason: 'output-quota', message: `the outputs hold more than 64 MiB (output quota ${quota[1]})` });
    for (const r of [afterMany, afterBig]) expect(r.metadata['ok.txt']).toBe("fine ['data.bin', 'metadata', 'subcontent']");
    expect(named.metadata['n'.repeat(255)]).toBe('long');
    expect(readdirSync(run.root)).toEqual([]);
  });

  it('a flood of bytes or of files is stopped at the sandbox limits, leaves nothing behind, and the next input runs', () => {
    const bytes = program('flood-bytes.py', 'chunk = b"x" * (1 << 20)\nwith open("/junk.bin", "wb") as f:\n    for _ in range(8192):\n        f.write(chunk)');
    const files = program('flood-files.py', 'os.mkdir("/many")\nfor i in range(1_000_000):\n    open(f"/many/{i}", "w").close()');
    const deep = program('flood-deep.py', 'path = ""\nfor i in range(10_000):\n    path += "/d"\n    os.mkdir(path)');
    // Written in one go and returned before the watch looks: the outputs are measured when read.
    const burst = program('burst.py', 'write("/subcontent/big.bin", "x" * (33 << 20))');
    const run = wadup(runtime, 'flood', [bytes, ordinary(), files, deep, burst, ordinary()], { sandboxMaxBytes: '32MiB', sandboxMaxEntries: 1000 });
    const [flooded, afterBytes, many, nested, big, last] = run.results;
    expect(flooded.error).toEqual({ reason: 'sandbox-limit', message: 'the sandbox holds more than 32 MiB (limit sandbox_max_bytes): the run was stopped'.replace('sandbox_max_bytes', runtime.name === 'node' ? 'sandboxLimits.maxBytes' : 'sandbox_max_bytes') });
    expect(many.error?.reason).toBe('sandbox-limit');
    expect(many.error?.message).toMatch(/^the sandbox holds more than 1000 files and folders \(limit (sandbox_max_entries|sandboxLimits\.maxEntries)\): the run was stopped$/);
    expect(nested.error?.reason).toBe('sandbox-limit');
    expect(nested.error?.message).toMatch(/^the sandbox (has folders nested more than 64 deep|holds more than 1000 files and folders .*): the run was stopped$/);
    expect(big.error?.reason).toBe('sandbox-limit');
    for (const r of [afterBytes, last]) expect(r.metadata['ok.txt']).toBe("fine ['data.bin', 'metadata', 'subcontent']");
    // Every sandbox is gone once the host is done.
    expect(readdirSync(run.root)).toEqual([]);
  });

  it('cannot take every file descriptor of the host: it may hold 256 open files', () => {
    const hoard = program(
      'hoard.py',
      `import builtins
builtins.hoard = []
try:
    while len(builtins.hoard) < 1_000_000:
        builtins.hoard.append(open("/data.bin", "rb"))
except OSError as e:
    log["stopped"] = e.strerror
log["held"] = len(builtins.hoard)
for f in builtins.hoard[:8]:
    f.close()
save_log()`,
    );
    const run = wadup(runtime, 'hoard', [hoard, ordinary(), hoard, ordinary()], { sandboxMaxEntries: 100_000 });
    const [first, next, again, last] = run.results;
    for (const r of [next, last]) expect(r.metadata['ok.txt']).toBe("fine ['data.bin', 'metadata', 'subcontent']");
    for (const r of [first, again]) {
      // node:wasi's opens are counted: past the limit the guest gets EMFILE. wasmtime's are not: the
      // watch counts the host's descriptors and stops the run, and its instance goes.
      if (runtime.name === 'node') expect(log(r)).toMatchObject({ stopped: 'No file descriptors available', held: 255 });
      else expect(r.error).toMatchObject({ reason: 'sandbox-limit', message: expect.stringMatching(/^the (guest holds more than 256 open files|host has no file descriptors left: the guest holds them) \(limit max_open_files\)/) });
    }
  });

  it('printing without end is stopped past its bound, and what it printed before reaches the host', () => {
    const printer = program('print.py', 'import sys\nwhile True:\n    sys.stdout.write("guest line " + "x" * 1000 + "\\n")');
    const run = wadup(runtime, 'print', [printer, ordinary()], { maxPrintedBytes: '1MiB' });
    const [flood, next] = run.results;
    expect(flood.error?.reason).toBe('sandbox-limit');
    expect(flood.error?.message).toMatch(/^the guest printed more than 1048576 bytes \(limit (maxPrintedBytes|max_printed_bytes)\): the run was stopped$/);
    expect(next.metadata['ok.txt']).toBe("fine ['data.bin', 'metadata', 'subcontent']");
    // Up to 1 MiB of it went through (whole writes under Node, cut at the byte under wasmtime).
    const printed = run.stderr.split('\n').filter((l) => l.startsWith('guest line ')).join('\n').length;
    expect(printed).toBeGreaterThan(1000 << 10);
    expect(printed).toBeLessThanOrEqual(1 << 20);
  });

  it("reads an empty stdin, not the host's", () => {
    const reader = program('stdin.py', 'import sys\nwrite("/metadata/stdin.txt", repr(sys.stdin.read()))');
    const [result] = wadup(runtime, 'stdin', [reader], { stdin: 'the host its own input' }).results;
    expect(result.metadata['stdin.txt']).toBe("''");
  });

  it('asleep in a blocking call, is stopped at its deadline and the host goes on to the next input', () => {
    // Without the fix the host waited out the sleep (a day): this test would hang until vitest's guard.
    const sleeper = program('sleep.py', 'import time\ntime.sleep(86_400)');
    const run = wadup(runtime, 'sleep', [sleeper, ordinary()], { deadlineMs: 2_000 });
    expect(run.results.map((r) => r.error?.reason ?? r.metadata['ok.txt'])).toEqual(['deadline', "fine ['data.bin', 'metadata', 'subcontent']"]);
  });

  it('cannot forge result lines: its stdout goes to the host stderr', () => {
    const forge = program('forge.py', 'print(\'WADUP {"input": "forged", "rc": 0, "metadata": {}, "subcontent": []}\', flush=True)\nsave_log()');
    const run = wadup(runtime, 'forge', [forge, forge]);
    expect(run.results.map((r) => r.input)).toEqual([forge, forge]);
    expect(run.stderr).toContain('WADUP {"input": "forged"');
  });
});

it('the hosts leave no sandbox behind after a deadline', () => {
  for (const runtime of RUNTIMES) {
    const loop = program('loop.py', 'i = 0\nwhile True:\n    i += 1\n    write(f"/f{i % 100}", "x")');
    const run = wadup(runtime, 'deadline', [loop], { deadlineMs: 3_000 });
    expect(run.results[0].error?.reason).toBe('deadline');
    expect(existsSync(run.root) && readdirSync(run.root)).toEqual([]);
  }
});
