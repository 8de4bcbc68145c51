// The wasmtime host's Sandbox (Python) gets the same cases as sandbox.test.ts: its unittest file,
// run with the runners' Python (tools/setup.mjs makes it).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { venvPython } from '@wasi-pystack/core';

it.runIf(process.platform !== 'win32')("the wasmtime host's Sandbox refuses links, hard links and fifos, keeps its limits and removes any tree", () => {
  const tests = join(__dirname, '..', 'wasmtime', 'tests');
  const r = spawnSync(venvPython(), ['-m', 'unittest', 'discover', '-s', tests, '-v'], { encoding: 'utf8' });
  expect(r.stderr).toMatch(/\nOK\n?$/);
  expect(r.status).toBe(0);
});
