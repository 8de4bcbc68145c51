// C++ exceptions in WebAssembly, end to end on a small C++ reactor (tests/fixtures/cxx-exceptions):
// core's toolchain compiles it with wasm exceptions against the C++ runtime its recipe builds, and
// each form the linker writes (exceptions.ts) runs where it should; the snapshot keeps exceptions.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { WASI } from 'node:wasi';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryCommand, readLock, resolveToolchain, venvPython, type Toolchain } from '@wasi-pystack/core';
import { exceptionForm, stripExceptionsIfNone, translateIfExnref, usesExceptionHandling } from './exceptions';
import { takeSnapshot } from './snapshot';
import { sameStateLayout } from './snapshot-image';
import { C_DIR } from './plan';

const ROOT = resolve(__dirname, '..', '..', '..');
const PROBE = join(ROOT, 'tests', 'fixtures', 'cxx-exceptions', 'probe.cpp');
const MAX_MEMORY = String(128 << 20);

type Exports = Record<string, (() => number) | unknown>;
const Wasm = (globalThis as unknown as { WebAssembly: { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: Exports } }>; Exception: new (...a: never[]) => object } }).WebAssembly;

/** Instantiates a reactor under node:wasi (stderr into a file) and initializes it. */
async function instantiate(module: Buffer, stderrFile?: string): Promise<Exports> {
  const stderr = stderrFile ? openSync(stderrFile, 'w') : 2;
  const wasi = new WASI({ version: 'preview1', stderr });
  const { instance } = await Wasm.instantiate(module, wasi.getImportObject());
  wasi.initialize(instance);
  return instance.exports;
}
const call = (exports: Exports, name: string) => (exports[name] as () => number)();

let dir: string;
let toolchain: Toolchain;
let legacy: Buffer;

function linkProbe(out: string, extra: string[] = [], objects: string[] = []): Buffer {
  queryCommand({ argv: [toolchain.cc, '-mexec-model=reactor', join(dir, 'probe.o'), ...objects, ...toolchain.cxxRuntime!.libraries, `-Wl,--max-memory=${MAX_MEMORY}`, ...extra, '-o', out], cwd: dir });
  return readFileSync(out);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cxx-exceptions-'));
  toolchain = await resolveToolchain(readLock(ROOT));
  queryCommand({ argv: [toolchain.cxx, '-O2', '-c', PROBE, '-o', join(dir, 'probe.o')], cwd: dir });
  legacy = linkProbe(join(dir, 'legacy.wasm'));
}, 600_000);

describe('C++ exceptions (wasm exception handling)', () => {
  it('are caught by their catch: out_of_range, bad_alloc when memory runs out, and an uncaught one reaches the host', async () => {
    expect(usesExceptionHandling(legacy)).toBe(true);
    const exports = await instantiate(legacy);
    expect(call(exports, 'probe_out_of_range')).toBe(1);
    expect(call(exports, 'probe_bad_alloc')).toBe(2);
    expect(call(exports, 'probe_out_of_range')).toBe(1); // the instance carries on
    expect(() => call(exports, 'probe_uncaught')).toThrow(Wasm.Exception as never);
  });

  it('work in a snapshot: what the initialization caught and kept is there, and later throws are caught', async () => {
    const snapshot = await takeSnapshot(legacy, { rename: [['_initialize', 'probe_initialize']], workDir: dir, logFile: join(dir, 'snapshot.log') });
    const exports = await instantiate(snapshot);
    expect(exports['wizer.initialize']).toBeUndefined();
    expect(call(exports, 'probe_state')).toBe(42 + 7);
    expect(call(exports, 'probe_out_of_range')).toBe(1);
    expect(call(exports, 'probe_bad_alloc')).toBe(2);
  });

  it('translated to exnref, run under wasmtime, the snapshot of the legacy module written into it (as the linker does)', async () => {
    const file = join(dir, 'exnref.wasm');
    writeFileSync(file, legacy);
    await translateIfExnref(file, 'exnref');
    const translated = readFileSync(file);
    expect(usesExceptionHandling(translated)).toBe(true);
    expect(translated.equals(legacy)).toBe(false);
    expect(sameStateLayout(legacy, translated)).toBe(true);
    writeFileSync(file, await takeSnapshot(legacy, { rename: [['_initialize', 'probe_initialize']], workDir: dir, logFile: join(dir, 'snapshot.log'), into: translated }));
    const script = [
      'import json, sys, wasmtime',
      'engine = wasmtime.Engine()',
      'linker = wasmtime.Linker(engine); linker.define_wasi()',
      'store = wasmtime.Store(engine); store.set_wasi(wasmtime.WasiConfig())',
      'e = linker.instantiate(store, wasmtime.Module.from_file(engine, sys.argv[1])).exports(store)',
      "e['_initialize'](store)",
      "out = [e[n](store) for n in ('probe_state', 'probe_out_of_range', 'probe_bad_alloc')]",
      'try:',
      "    e['probe_uncaught'](store); out.append('returned')",
      'except Exception as x:',
      "    out.append('raised')",
      'print(json.dumps(out))',
    ].join('\n');
    const r = spawnSync(venvPython(), ['-c', script, file], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual([49, 1, 2, 'raised']);
  }, 120_000);

  it('"none": no exception handling is left, and a throw ends the module with a message naming its type', async () => {
    queryCommand({ argv: [toolchain.cc, '-O2', '-c', join(C_DIR, 'cxx_throw.c'), '-o', join(dir, 'cxx_throw.o')], cwd: dir });
    const file = join(dir, 'none.wasm');
    linkProbe(file, ['-Wl,--wrap=__cxa_throw'], [join(dir, 'cxx_throw.o')]);
    await stripExceptionsIfNone(file, 'none');
    const none = readFileSync(file);
    expect(usesExceptionHandling(none)).toBe(false);
    const stderr = join(dir, 'none.stderr');
    const exports = await instantiate(none, stderr);
    expect(call(exports, 'probe_state')).toBe(0);
    expect(() => call(exports, 'probe_out_of_range')).toThrow(/unreachable/);
    expect(readFileSync(stderr, 'utf8')).toMatch(/a C\+\+ exception of type St12out_of_range was thrown, but this module was linked with exceptions = "none"/);
  });

  it('takes the form from a link option or [tool.wasi-pystack], exnref by default', () => {
    expect(exceptionForm(undefined)).toBe('exnref');
    expect(exceptionForm('legacy')).toBe('legacy');
    expect(() => exceptionForm(true, '[tool.wasi-pystack] exceptions')).toThrow(/\[tool.wasi-pystack\] exceptions = true is no form/);
  });
});
