import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..');

function nx(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'nx', 'dist', 'bin', 'nx.js'), ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NX_TUI: 'false', NX_NO_CLOUD: 'true' } });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe('the Nx graph', () => {
  it('restores an unchanged module build from the Nx cache', () => {
    const first = nx('run', 'hello:build');
    expect(first.code).toBe(0);
    const second = nx('run', 'hello:build');
    expect(second.code).toBe(0);
    expect(second.out).toMatch(/existing outputs match the cache|read the output from the cache/);
  });

  it('wires python-wasi:build through bundle to compile', () => {
    const r = nx('show', 'project', 'python-wasi', '--json');
    const project = JSON.parse(r.out.slice(r.out.indexOf('{')));
    expect(project.targets.build.dependsOn).toEqual(['bundle']);
    expect(project.targets.bundle.dependsOn).toEqual(['compile']);
    expect(project.targets.compile.cache).toBe(true);
    expect(project.targets.compile.inputs).toEqual(['pythonWasiStep']);
  });
});
