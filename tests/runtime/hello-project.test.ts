import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { wasmExports, wasmImports } from '@wasi-pystack/linker';
import { RUNTIMES, requireModule } from './runtimes';

const REACTOR = requireModule('test-projects/hello/dist/hello.wasm');
const COMMAND = requireModule('test-projects/hello/dist/hello-command.wasm');

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('hello.wasm as a file', () => {
  it('is a reactor exporting process() and _initialize, not _start', () => {
    const exports = wasmExports(REACTOR);
    expect(exports).toEqual(expect.arrayContaining(['process', '_initialize', 'memory']));
    expect(exports).not.toContain('_start');
  });

  it('imports only wasi_snapshot_preview1', () => {
    expect([...new Set(wasmImports(REACTOR).map((i) => i.module))]).toEqual(['wasi_snapshot_preview1']);
    expect([...new Set(wasmImports(COMMAND).map((i) => i.module))]).toEqual(['wasi_snapshot_preview1']);
  });
});

describe.each(RUNTIMES)('hello under $name', (runtime) => {
  it('process() runs main() 100 times on one instance, once per input', () => {
    const dir = mkdtempSync(join(tmpdir(), `hello-${runtime.name}-`));
    mkdirSync(join(dir, 'inputs'));
    const inputs = Array.from({ length: 100 }, (_, i) => {
      const file = join(dir, 'inputs', `in${i}.bin`);
      writeFileSync(file, Buffer.from(`input number ${i} `.repeat(i + 1)));
      return file;
    });
    const { results, stderr } = runtime.wadup(REACTOR, join(dir, 'sandbox'), inputs);
    // What the guest prints reaches the runner's stderr (its stdout is for result lines), and nothing else does.
    expect(stderr).toBe(inputs.map((_, i) => `hello: processed ${Buffer.byteLength(`input number ${i} `.repeat(i + 1))} bytes (call ${i + 1})\n`).join(''));
    expect(results).toHaveLength(100);
    results.forEach((r, i) => {
      const data = Buffer.from(`input number ${i} `.repeat(i + 1));
      expect(r.rc).toBe(0);
      const meta = JSON.parse(r.metadata['result.json']);
      expect(meta).toMatchObject({ size: data.length, sha256: sha256(data), calls: i + 1, six: '1.17.0' });
      expect(meta.mean).toBeCloseTo([...data].reduce((a, b) => a + b, 0) / data.length, 9);
    });
  });

  it('an exception in main() prints its traceback, returns non-zero, and the instance stays usable', () => {
    const dir = mkdtempSync(join(tmpdir(), `hello-${runtime.name}-`));
    const files = { ok1: 'first', fail: 'FAIL here', split: 'SPLITa,bb,ccc', ok2: 'second' };
    const paths = Object.entries(files).map(([name, text]) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    });
    const { results, stderr } = runtime.wadup(REACTOR, join(dir, 'sandbox'), paths);
    expect(results.map((r) => r.rc)).toEqual([0, 1, 0, 0]);
    expect(stderr).toContain('Traceback (most recent call last):');
    expect(stderr).toContain('ValueError: refusing input starting with FAIL (9 bytes)');
    // The traceback shows the project's source lines (the bundle keeps the project's .py files).
    expect(stderr).toContain('raise ValueError(f"refusing input starting with FAIL');
    expect(results[1].metadata).toEqual({});
    expect(results[2].subcontent).toEqual(['part0.bin', 'part1.bin', 'part2.bin']);
    expect(JSON.parse(results[3].metadata['result.json']).calls).toBe(4);
  });

  it('the command build behaves like python with the project importable', () => {
    const r = runtime.run(COMMAND, ['-c', 'import hello, six, importlib.metadata as md; print(hello.__name__, six.__version__, hello.__file__, md.version("six"))']);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('hello 1.17.0 /bundle/hello/__init__.py 1.17.0');
    expect(r.code).toBe(0);
  });
});
