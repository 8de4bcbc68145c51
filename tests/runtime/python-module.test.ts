import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modulePath } from '@wasi-pystack/core';
import { wasmExports, wasmImports } from '@wasi-pystack/linker';
import { RUNTIMES, requireModule } from './runtimes';

const PYTHON = requireModule(modulePath('python'));

describe('python.wasm as a file', () => {
  it('imports only wasi_snapshot_preview1', () => {
    const modules = new Set(wasmImports(PYTHON).map((i) => i.module));
    expect([...modules]).toEqual(['wasi_snapshot_preview1']);
  });

  it('is a command: exports _start and no process()', () => {
    const exports = wasmExports(PYTHON);
    expect(exports).toContain('_start');
    expect(exports).not.toContain('process');
  });
});

describe.each(RUNTIMES)('python.wasm under $name', (runtime) => {
  it('names the cause when a left-out stdlib module is imported, and how to keep it', () => {
    const r = runtime.run(PYTHON, ['-c', 'import tkinter']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("ModuleNotFoundError: No module named 'tkinter': 'tkinter' was left out of this WebAssembly module's bundle (the Tk GUI toolkit: no Tk on WASI). To keep it, add keep-stdlib = [\"tkinter\"] under [tool.wasi-pystack] in pyproject.toml and rebuild.");
    const other = runtime.run(PYTHON, ['-c', 'import not_a_module_anywhere']);
    expect(other.stderr).toContain("ModuleNotFoundError: No module named 'not_a_module_anywhere'\n");
  });

  const tmp = () => mkdtempSync(join(tmpdir(), `pywasi-${runtime.name}-`));

  it('runs with no preopened directory at all', () => {
    const r = runtime.run(PYTHON, ['-c', 'import json, sys; print(json.dumps({"platform": sys.platform}))']);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('{"platform": "wasi"}');
    expect(r.code).toBe(0);
  });

  it('has the stdlib C modules built in and working', () => {
    const script = [
      'import json, sqlite3, zlib, bz2, lzma, decimal, hashlib, datetime, zoneinfo, unicodedata, pyexpat, _decimal',
      'db = sqlite3.connect(":memory:")',
      'db.execute("create table t(x)"); db.executemany("insert into t values (?)", [(i,) for i in range(10)])',
      'out = {"sqlite": db.execute("select sum(x) from t").fetchone()[0]}',
      'blob = b"wasi" * 1000',
      'out["zlib"] = zlib.decompress(zlib.compress(blob)) == blob',
      'out["bz2"] = bz2.decompress(bz2.compress(blob)) == blob',
      'out["lzma"] = lzma.decompress(lzma.compress(blob)) == blob',
      'out["decimal"] = str(decimal.Decimal(1) / decimal.Decimal(7))',
      'out["sha256"] = hashlib.sha256(b"abc").hexdigest()[:16]',
      'out["sha3"] = hashlib.sha3_256(b"abc").hexdigest()[:16]',
      'out["blake2b"] = hashlib.blake2b(b"abc").hexdigest()[:16]',
      'out["md5"] = hashlib.md5(b"abc").hexdigest()',
      'out["unicodedata"] = unicodedata.name("é")',
      'out["datetime"] = datetime.date(2026, 11, 25).isoformat()',
      'out["expat"] = pyexpat.EXPAT_VERSION.startswith("expat_")',
      'print(json.dumps(out, sort_keys=True))',
    ].join('\n');
    const r = runtime.run(PYTHON, ['-c', script]);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({
      sqlite: 45,
      zlib: true,
      bz2: true,
      lzma: true,
      decimal: '0.1428571428571428571428571429',
      sha256: 'ba7816bf8f01cfea',
      sha3: '3a985da74fe225b2',
      blake2b: 'ba80a53f981c4d0d',
      md5: '900150983cd24fb0d6963f7d28e17f72',
      unicodedata: 'LATIN SMALL LETTER E WITH ACUTE',
      datetime: '2026-11-25',
      expat: true,
    });
  });

  it('reads and writes files in a preopened directory', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'in.txt'), 'hello from the host\n');
    const script = 'data = open("/tmp/in.txt").read(); open("/tmp/out.txt", "w").write(data.upper()); print(len(data))';
    const r = runtime.run(PYTHON, ['-c', script], { dirs: [[dir, '/tmp']] });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('20');
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe('HELLO FROM THE HOST\n');
  });

  it('runs a script with argv and passes its exit code', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'script.py'), 'import sys\nprint(sys.argv[1:])\nsys.exit(int(sys.argv[1]))\n');
    const r = runtime.run(PYTHON, ['/work/script.py', '7', 'x y'], { dirs: [[dir, '/work']] });
    expect(r.stdout.trim()).toBe("['7', 'x y']");
    expect(r.code).toBe(7);
  });

  it('adds PYTHONPATH to the module search path, as python does', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'mylib.py'), 'VALUE = 42\n');
    const r = runtime.run(PYTHON, ['-c', 'import mylib; print(mylib.VALUE, mylib.__file__)'], { dirs: [[dir, '/lib2']], env: { PYTHONPATH: '/lib2' } });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('42 /lib2/mylib.py');
  });

  it('runs -m with stdin', () => {
    const r = runtime.run(PYTHON, ['-m', 'json.tool', '--sort-keys'], { stdin: '{"b": 1, "a": [1, 2]}' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('{\n    "a": [\n        1,\n        2\n    ],\n    "b": 1\n}\n');
    expect(r.code).toBe(0);
  });

  it('prints the traceback of an uncaught exception and exits 1', () => {
    const r = runtime.run(PYTHON, ['-c', 'def f():\n    return 1 / 0\nf()']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Traceback (most recent call last):');
    expect(r.stderr).toContain('ZeroDivisionError: division by zero');
  });

  it('sleeps for the time asked (clock_nanosleep is not used)', () => {
    const r = runtime.run(PYTHON, ['-c', 'import time; t = time.monotonic(); time.sleep(0.05); print(time.monotonic() - t)']);
    expect(r.code).toBe(0);
    const slept = Number(r.stdout.trim());
    expect(slept).toBeGreaterThanOrEqual(0.045);
    // The Node bug this guards against sleeps for about the machine's uptime, i.e. hours.
    expect(slept).toBeLessThan(30);
  });

  it('collects a reference cycle through operator.methodcaller (its tp_clear is called as int (*)(PyObject *))', () => {
    const script = [
      'import gc, operator',
      'd = {}  # an empty dict is not tracked yet, so the methodcaller is the first to be cleared',
      'm = operator.methodcaller("f", d)',
      'd["m"] = m',
      'del d, m',
      'print("collected", gc.collect() > 0)',
    ].join('\n');
    const r = runtime.run(PYTHON, ['-c', script]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('collected True');
    expect(r.code).toBe(0);
  });

  it('ends deep Python and C recursion in RecursionError, not a crash', () => {
    const script = [
      'import json, sys',
      'def f(n):\n    return f(n + 1)',
      'try:\n    f(0)\nexcept RecursionError:\n    print("python: RecursionError")',
      'deep = []',
      'for _ in range(200000):\n    deep = [deep]',
      'for name, fn in [("repr", repr), ("json", json.dumps)]:\n    try:\n        fn(deep)\n    except RecursionError:\n        print(f"{name}: RecursionError")',
      'print("still alive", sys.getrecursionlimit())',
    ].join('\n');
    const r = runtime.run(PYTHON, ['-c', script]);
    expect(r.stdout).toContain('python: RecursionError');
    expect(r.stdout).toContain('repr: RecursionError');
    expect(r.stdout).toContain('json: RecursionError');
    expect(r.stdout).toContain('still alive');
    expect(r.code).toBe(0);
  });
});
