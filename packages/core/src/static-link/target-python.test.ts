import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { relocateSysconfig, writeTargetPython } from './target-python';

describe('relocateSysconfig', () => {
  it('moves every path under the configured prefix, and nothing else', () => {
    const text = "build_time_vars = {'prefix': '/usr/local', 'INCLUDEPY': '/usr/local/include/python3.13', 'LDFLAGS': '-L/usr/local/lib -Wl', 'X': '/usr/localish', 'CONFIG_ARGS': \"'--prefix=/usr/local'\"}";
    expect(relocateSysconfig(text, '/usr/local', '/out/py')).toBe(
      "build_time_vars = {'prefix': '/out/py', 'INCLUDEPY': '/out/py/include/python3.13', 'LDFLAGS': '-L/out/py/lib -Wl', 'X': '/usr/localish', 'CONFIG_ARGS': \"'--prefix=/out/py'\"}",
    );
  });
});

describe('writeTargetPython', () => {
  it("answers pkg-config lookups of the target's python-3.X.pc with the python-wasi headers", () => {
    const prefix = mkdtempSync(join(tmpdir(), 'python-wasi-'));
    mkdirSync(join(prefix, 'lib', 'python3.13'), { recursive: true });
    mkdirSync(join(prefix, 'lib', 'pkgconfig'), { recursive: true });
    writeFileSync(join(prefix, 'lib', 'python3.13', '_sysconfigdata__wasi_wasm32-wasi.py'), "build_time_vars = {'prefix': '/usr/local', 'LIBPC': '/usr/local/lib/pkgconfig'}\n");
    writeFileSync(join(prefix, 'lib', 'pkgconfig', 'python-3.13.pc'), 'prefix=/usr/local\nincludedir=${prefix}/include\nCflags: -I${includedir}/python3.13\n');
    const out = mkdtempSync(join(tmpdir(), 'target-python-'));
    writeTargetPython({ prefix, pyVersion: '3.13', buildPython: '/usr/bin/python3', outDir: out });
    const shim = join(out, 'target-python');
    expect(readFileSync(join(shim, 'sysconfigdata', '_sysconfigdata__wasi_wasm32-wasi.py'), 'utf8')).toBe(`build_time_vars = {'prefix': '${prefix}', 'LIBPC': '${join(shim, 'pkgconfig')}'}\n`);
    expect(readFileSync(join(shim, 'pkgconfig', 'python-3.13.pc'), 'utf8')).toBe(`prefix=${prefix}\nincludedir=\${prefix}/include\nCflags: -I\${includedir}/python3.13\n`);
  });
});
