import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLock } from './lock';
import { queryCommand } from './run';
import { TARGET_CODEGEN_FLAGS } from './toolchain';
import { resolveToolchain } from './cxx-runtime/cxx-runtime';

const ROOT = resolve(__dirname, '..', '..', '..');

describe('the toolchain wrappers', () => {
  it('compile with wasm SIMD: a plain C loop becomes 128-bit vector code', async () => {
    expect(TARGET_CODEGEN_FLAGS).toContain('-msimd128');
    const toolchain = await resolveToolchain(readLock(ROOT));
    const dir = mkdtempSync(join(tmpdir(), 'simd-'));
    writeFileSync(join(dir, 'axpy.c'), 'void axpy(int n, double a, const double *x, double *restrict y) { for (int i = 0; i < n; i++) y[i] += a * x[i]; }\n');
    queryCommand({ argv: [toolchain.cc, '-O2', '-c', 'axpy.c', '-o', 'axpy.o'], cwd: dir });
    const disassembly = queryCommand({ argv: [toolchain.objdump, '-d', join(dir, 'axpy.o')], cwd: dir });
    expect(disassembly).toMatch(/f64x2\.mul/);
  });
});
