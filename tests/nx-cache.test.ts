import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

  it('wires python-wasi:build through bundle to compile, all inferred from its step file (no project.json)', () => {
    const r = nx('show', 'project', 'python-wasi', '--json');
    const project = JSON.parse(r.out.slice(r.out.indexOf('{')));
    expect(project.targets.build.dependsOn).toEqual(['bundle']);
    expect(project.targets.bundle.dependsOn).toEqual(['compile']);
    expect(project.targets.compile.cache).toBe(true);
    expect(project.targets.compile.inputs).toEqual(['stepSources', '{projectRoot}/**/*', '!{projectRoot}/dist/**/*', '!{projectRoot}/node_modules/**/*', { dependentTasksOutputFiles: '**/*', transitive: true }]);
    for (const step of ['python-wasi', 'numpy-wasi', 'pandas-wasi']) expect(existsSync(join(ROOT, 'packages', step, 'project.json'))).toBe(false);
  });

  it("lets each configuration choose its recipe: no compile executor's schema defaults one (Nx would pass it to every configuration)", () => {
    for (const step of ['python-wasi', 'numpy-wasi', 'pandas-wasi']) {
      const schema = JSON.parse(readFileSync(join(ROOT, 'packages', step, 'src', 'executors', 'compile', 'schema.json'), 'utf8'));
      expect(schema.properties.recipe?.default, step).toBeUndefined();
      expect(schema.properties.configuration, step).toBeDefined();
    }
  });

  it('infers the test projects from pyproject.toml (nx-plugin) and shows the whole chain in the graph', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'graph-')), 'graph.json');
    expect(nx('graph', `--file=${file}`).code).toBe(0);
    const { graph } = JSON.parse(readFileSync(file, 'utf8'));
    const deps = (p: string) => graph.dependencies[p].map((d: { target: string }) => d.target).sort();
    expect(deps('pandas-report')).toEqual(['numpy-wasi', 'pandas-wasi', 'python-wasi']);
    expect(deps('hello')).toEqual(['python-wasi']);
    expect(graph.nodes['pandas-report'].data.targets.bundle.executor).toBe('@wasi-pystack/stub-bundler:bundle');
    expect(graph.nodes['pandas-report'].data.targets.bundle.options.inputs).toEqual(['dist/python-wasi', 'dist/numpy-wasi', 'dist/pandas-wasi']);
    expect(existsSync(join(ROOT, 'test-projects', 'pandas-report', 'project.json'))).toBe(false);
  });
});
