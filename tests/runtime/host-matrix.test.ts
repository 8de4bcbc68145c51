// The host matrix's CI cells (deps/hosts.json "ci"; docs/hosts.md has every cell): the default
// module, a command module, a snapshotted reactor and hostile files on other Node and wasmtime
// versions than the ones the other runtime tests use, through the same runners.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from './runtimes';

it("runs every check on the CI cells of the host matrix", () => {
  const r = spawnSync(process.execPath, [join(ROOT, 'tools', 'host-matrix.mjs'), '--ci'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
  const cells = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { host: string; version: string; checks: Record<string, { ok: boolean; note: string }> });
  const hosts = JSON.parse(readFileSync(join(ROOT, 'deps', 'hosts.json'), 'utf8')).ci;
  expect(cells.map((c) => `${c.host} ${c.version}`)).toEqual([...hosts.node.map((v: string) => `node ${v}`), ...hosts.wasmtime.map((v: string) => `wasmtime ${v}`)]);
  const failed = cells.flatMap((c) => Object.entries(c.checks).filter(([, v]) => !v.ok).map(([name, v]) => `${c.host} ${c.version} ${name}: ${v.note}`));
  expect(failed, r.stderr.slice(-2000)).toEqual([]);
  expect(r.status).toBe(0);
}, 1_200_000);
