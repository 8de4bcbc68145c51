import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleDir, modulePath, stepOutputDir } from '@wasi-pystack/core';
import { link } from '@wasi-pystack/linker';
import { ROOT, RUNTIMES, requireModule } from './runtimes';

// Why every module has its stack first: a stack that overflows runs below address 0 and the engine
// traps at once; a stack placed after the static data (wasm-ld's default) runs into that data, where
// CPython keeps its thread state, and corrupts it silently. docs/stack-root-cause.md has the evidence.
const DEEP = 'x = []\nfor _ in range(3000):\n    x = [x]\ntry:\n    print(len(repr(x)))\nexcept RecursionError:\n    print("RecursionError")';

describe('stack overflow in a module linked the way this toolchain links', () => {
  requireModule(`${bundleDir('python')}/bundle.bin`);
  const dir = mkdtempSync(join(tmpdir(), 'stack-'));
  const tiny = join(dir, 'python-64k-stack-first.wasm');

  beforeAll(async () => {
    // The same objects with only 64 KiB of stack, still placed first: too small for a 3000-deep repr.
    await link({
      workspaceRoot: ROOT,
      inputs: [stepOutputDir('python-wasi', 'default', ROOT)],
      bundle: bundleDir('python', 'default', ROOT),
      kind: 'command',
      output: tiny,
      stack: { size: 64 * 1024, first: true },
      optimize: false,
    });
  }, 1_200_000);

  for (const runtime of RUNTIMES) {
    it(`traps instead of corrupting memory when the stack is too small (${runtime.name})`, () => {
      const r = runtime.run(tiny, ['-c', DEEP]);
      expect(r.code).not.toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/out of bounds memory access|memory access out of bounds/);
      expect(r.stderr).not.toContain('Fatal Python error');
    });

    it(`completes the same repr with the real 16 MiB stack (${runtime.name})`, () => {
      const r = runtime.run(requireModule(modulePath('python')), ['-c', DEEP]);
      expect(r.stdout.trim()).toBe('6002');
      expect(r.code).toBe(0);
    });
  }
});
