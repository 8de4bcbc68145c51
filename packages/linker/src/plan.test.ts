import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BuildManifest } from '@wasi-pystack/core';
import { planLink, STACK_SIZE } from './plan';

function fixture(entry?: { module: string; function: string }) {
  const bundle = mkdtempSync(join(tmpdir(), 'bundle-'));
  writeFileSync(join(bundle, 'bundle.json'), JSON.stringify({ format: 'wasi-pystack-bundle/1', entry, files: 1, bytes: 1, sha256: 'ab'.repeat(32) }));
  writeFileSync(join(bundle, 'bundle.bin'), 'archive');
  writeFileSync(join(bundle, 'bundle_importer.py'), 'def install(): pass\n');
  const manifest: BuildManifest & { dir: string } = {
    format: 'wasi-pystack-manifest/1', name: 'cpython', version: '3.13.5', dir: '/py',
    libraries: ['/py/lib/libpython3.13.a', '/py/lib/libz.a'], linkArgs: ['-lm', '-lwasi-emulated-signal'],
    modules: [], pythonRoots: [], includeDirs: ['/py/include/python3.13'], facts: {},
  };
  return { bundle, manifest };
}

const TOOLCHAIN = { cc: 'cc', cxxRuntime: { prefix: '/rt', includeDir: '/rt/include/c++/v1', libraries: ['/rt/lib/libc++.a', '/rt/lib/libc++abi.a', '/rt/lib/libunwind.a'], compileFlags: [] } };

describe('planLink', () => {
  it('links with a 16 MiB stack placed first, stripped, and never hides undefined symbols', () => {
    const { bundle, manifest } = fixture();
    const plan = planLink({ workspaceRoot: '/ws', inputs: [], bundle, kind: 'command', output: '/ws/dist/python.wasm' }, [manifest], TOOLCHAIN);
    const argv = plan.link.argv;
    expect(STACK_SIZE).toBe(16777216);
    expect(argv).toContain('-Wl,-z,stack-size=16777216');
    expect(argv).toContain('-Wl,--stack-first');
    expect(argv).toContain('-Wl,--strip-all');
    expect(argv.join(' ')).not.toMatch(/allow-undefined|allow-multiple-definition|EMSCRIPTEN/);
    expect(argv).toEqual(expect.arrayContaining(['/py/lib/libpython3.13.a', '/py/lib/libz.a', '-lm', '-lwasi-emulated-signal']));
  });

  it('links the C++ runtime after the inputs, and sends throws to a message only when exceptions are "none"', () => {
    const { bundle, manifest } = fixture();
    const inputs = [manifest, { ...manifest, name: 'numpy', libraries: ['/np/lib.a'], needs: ['c++' as const] }];
    const plan = planLink({ workspaceRoot: '/ws', inputs: [], bundle, kind: 'command', output: '/ws/p.wasm' }, inputs, TOOLCHAIN);
    expect(plan.exceptions).toBe('exnref');
    expect(plan.link.argv[0]).toBe('cc');
    const argv = plan.link.argv;
    expect(argv.indexOf('/rt/lib/libc++.a')).toBeGreaterThan(argv.indexOf('/np/lib.a'));
    expect(argv.slice(argv.indexOf('/rt/lib/libc++.a'), argv.indexOf('/rt/lib/libc++.a') + 3)).toEqual(['/rt/lib/libc++.a', '/rt/lib/libc++abi.a', '/rt/lib/libunwind.a']);
    expect(plan.compile.some((c) => c.argv.some((a) => a.endsWith('cxx_throw.c')))).toBe(false);
    expect(argv).not.toContain('-Wl,--wrap=__cxa_throw');

    const none = planLink({ workspaceRoot: '/ws', inputs: [], bundle, kind: 'command', output: '/ws/p.wasm', exceptions: 'none' }, inputs, TOOLCHAIN);
    expect(none.compile.some((c) => c.argv.some((a) => a.endsWith('cxx_throw.c')))).toBe(true);
    expect(none.link.argv).toContain('-Wl,--wrap=__cxa_throw');
  });

  it('names the forms of exception handling when given another', () => {
    const { bundle, manifest } = fixture();
    expect(() => planLink({ workspaceRoot: '/ws', inputs: [], bundle, kind: 'command', output: '/ws/p.wasm', exceptions: 'wasm' as never }, [manifest], TOOLCHAIN)).toThrow(/exceptions = "wasm" is no form of WebAssembly exception handling[\s\S]*"exnref", "legacy", "none"/);
  });

  it('links one stack for commands and reactors: the project is data, never code', () => {
    const withEntry = fixture({ module: 'hello', function: 'main' });
    const reactor = planLink({ workspaceRoot: '/ws', inputs: [], bundle: withEntry.bundle, kind: 'reactor', output: '/ws/h.wasm' }, [withEntry.manifest], TOOLCHAIN);
    const command = planLink({ workspaceRoot: '/ws', inputs: [], bundle: fixture().bundle, kind: 'command', output: '/ws/h.wasm' }, [withEntry.manifest], TOOLCHAIN);
    expect(reactor.glueSource).toBe(command.glueSource);
    expect(reactor.compile.map((c) => c.argv)).toEqual(command.compile.map((c) => c.argv));
    expect(reactor.link.argv).toEqual(command.link.argv);
    // Its own _start and _initialize (entry_command.c, entry_reactor.c): wasi-libc's _initialize traps
    // when a restored snapshot is initialized again.
    expect(reactor.link.argv).toEqual(expect.arrayContaining(['-mexec-model=reactor', '-nostartfiles']));
    expect(reactor.compile.some((c) => c.argv.some((a) => a.endsWith('entry_reactor.c')))).toBe(true);
    expect(reactor.compile.some((c) => c.argv.some((a) => a.endsWith('entry_command.c')))).toBe(true);
    expect(reactor.project.entry).toEqual({ module: 'hello', function: 'main' });
    expect(reactor.project.bundle.toString()).toBe('archive');
    expect(command.project.entry).toBeUndefined();
  });

  it('gives a snapshotted reactor a hash secret from its content, never 0, and 0 without a snapshot', () => {
    const withEntry = fixture({ module: 'hello', function: 'main' });
    const plan = planLink({ workspaceRoot: '/ws', inputs: [], bundle: withEntry.bundle, kind: 'reactor', output: '/ws/h.wasm' }, [withEntry.manifest], TOOLCHAIN);
    expect(plan.project.hashSeed).toBeGreaterThan(0);
    const again = planLink({ workspaceRoot: '/ws', inputs: [], bundle: withEntry.bundle, kind: 'reactor', output: '/ws/h.wasm' }, [withEntry.manifest], TOOLCHAIN);
    expect(again.project.hashSeed).toBe(plan.project.hashSeed);
    const unsnapshotted = planLink({ workspaceRoot: '/ws', inputs: [], bundle: withEntry.bundle, kind: 'reactor', output: '/ws/h.wasm', snapshot: false }, [withEntry.manifest], TOOLCHAIN);
    expect(unsnapshotted.project.hashSeed).toBe(0);
  });

  it('requires an entry for a reactor', () => {
    const noEntry = fixture();
    expect(() => planLink({ workspaceRoot: '/ws', inputs: [], bundle: noEntry.bundle, kind: 'reactor', output: '/ws/h.wasm' }, [noEntry.manifest], TOOLCHAIN)).toThrowError(
      `a reactor needs an entry, and ${noEntry.bundle} was bundled without a project\nFix: bundle a project whose pyproject.toml sets [tool.wasi-pystack] entry, or build a command`,
    );
  });
});
