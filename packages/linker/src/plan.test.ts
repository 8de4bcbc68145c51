import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BuildManifest } from '@wasi-pystack/core';
import { planLink, STACK_SIZE } from './index';

function fixture(entry?: { module: string; function: string }) {
  const bundle = mkdtempSync(join(tmpdir(), 'bundle-'));
  writeFileSync(join(bundle, 'bundle.json'), JSON.stringify({ format: 'wasi-pystack-bundle/1', entry, files: 1, bytes: 1 }));
  const manifest: BuildManifest & { dir: string } = {
    format: 'wasi-pystack-manifest/1', name: 'cpython', version: '3.13.5', dir: '/py',
    libraries: ['/py/lib/libpython3.13.a', '/py/lib/libz.a'], linkArgs: ['-lm', '-lwasi-emulated-signal'],
    modules: [], pythonRoots: [], includeDirs: ['/py/include/python3.13'], facts: {},
  };
  return { bundle, manifest };
}

describe('planLink', () => {
  it('links with a 16 MiB stack placed first, stripped, and never hides undefined symbols', () => {
    const { bundle, manifest } = fixture();
    const plan = planLink({ workspaceRoot: '/ws', inputs: [], bundle, kind: 'command', output: '/ws/dist/python.wasm' }, [manifest], { cc: 'cc', cxx: 'c++' });
    const argv = plan.link.argv;
    expect(STACK_SIZE).toBe(16777216);
    expect(argv).toContain('-Wl,-z,stack-size=16777216');
    expect(argv).toContain('-Wl,--stack-first');
    expect(argv).toContain('-Wl,--strip-all');
    expect(argv.join(' ')).not.toMatch(/allow-undefined|allow-multiple-definition|EMSCRIPTEN/);
    expect(argv).not.toContain('-mexec-model=reactor');
    expect(argv).toEqual(expect.arrayContaining(['/py/lib/libpython3.13.a', '/py/lib/libz.a', '-lm', '-lwasi-emulated-signal']));
  });

  it('links with the C++ driver and the throw handler when a manifest needs C++', () => {
    const { bundle, manifest } = fixture();
    const plan = planLink({ workspaceRoot: '/ws', inputs: [], bundle, kind: 'command', output: '/ws/p.wasm' }, [manifest, { ...manifest, name: 'numpy', needs: ['c++'] }], { cc: 'cc', cxx: 'c++' });
    expect(plan.link.argv[0]).toBe('c++');
    expect(plan.compile.some((c) => c.argv.some((a) => a.endsWith('cxx_throw.c')))).toBe(true);
  });

  it('builds reactors with the reactor exec model and requires an entry', () => {
    const withEntry = fixture({ module: 'hello', function: 'main' });
    const plan = planLink({ workspaceRoot: '/ws', inputs: [], bundle: withEntry.bundle, kind: 'reactor', output: '/ws/h.wasm' }, [withEntry.manifest], { cc: 'cc', cxx: 'c++' });
    expect(plan.link.argv).toContain('-mexec-model=reactor');
    expect(plan.compile.some((c) => c.argv.some((a) => a.endsWith('entry_reactor.c')))).toBe(true);
    const noEntry = fixture();
    expect(() => planLink({ workspaceRoot: '/ws', inputs: [], bundle: noEntry.bundle, kind: 'reactor', output: '/ws/h.wasm' }, [noEntry.manifest], { cc: 'cc', cxx: 'c++' })).toThrowError(
      `a reactor needs an entry, and ${noEntry.bundle} was bundled without a project\nFix: bundle a project whose pyproject.toml sets [tool.wasi-pystack] entry, or build a command`,
    );
  });
});
