// The packages as another toolchain gets them: `npm run pack` tarballs installed into an empty folder
// outside the repository, then (a) a plain Node script that uses only the typed API and (b) a fresh Nx
// 23 workspace that uses the plugin build the same tiny project; both modules run under wasmtime.
// The step cache is shared, so CPython is restored from it rather than rebuilt.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { wasmExports, wasmImports } from '@wasi-pystack/linker';
// @ts-expect-error: a plain ES module script without declarations
import { packAll } from '../../tools/pack-packages.mjs';
// @ts-expect-error: a plain ES module script without declarations
import { installHost } from '../../tools/host-matrix.mjs';
import { ROOT, moduleNode, wasmtime } from '../runtime/runtimes';

const HOSTS = JSON.parse(readFileSync(join(ROOT, 'deps', 'hosts.json'), 'utf8'));

const CONSUMER = join(__dirname, 'consumer');
const NX_VERSION = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'nx', 'package.json'), 'utf8')).version;

function run(cwd: string, argv: string[]) {
  const r = spawnSync(argv[0], argv.slice(1), { cwd, encoding: 'utf8', env: { ...process.env, NX_TUI: 'false', NX_DAEMON: 'false', NX_NO_CLOUD: 'true' } });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} in ${cwd} failed (${r.status}):\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  return r.stdout;
}

/** An empty folder outside the repository with the tarballs (and nx) installed, and the tiny project. */
function consumerFolder(tarballs: string[], extra: string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), 'wasi-pystack-consumer-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }, null, 2));
  run(dir, ['npm', 'install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs, ...extra]);
  cpSync(join(CONSUMER, 'tiny'), join(dir, 'tiny'), { recursive: true });
  return dir;
}

function expectTinyModules(command: string, reactor: string, dir: string) {
  expect(wasmExports(reactor)).toEqual(expect.arrayContaining(['process', '_initialize']));
  expect([...new Set([...wasmImports(command), ...wasmImports(reactor)].map((i) => i.module))]).toEqual(['wasi_snapshot_preview1']);
  const r = wasmtime.run(command, ['-c', 'import tiny, six; print(tiny.__name__, six.__version__)']);
  expect(r.stderr).toBe('');
  expect(r.stdout).toBe('tiny 1.17.0\n');
  const input = join(dir, 'input.bin');
  writeFileSync(input, 'twelve bytes');
  const { results } = wasmtime.wadup(reactor, join(dir, 'sandbox'), [input]);
  expect(results).toHaveLength(1);
  expect(results[0].rc).toBe(0);
  expect(JSON.parse(results[0].metadata['tiny.json'])).toEqual({ bytes: 12, six: '1.17.0' });
}

// Building modules runs wasm-opt (the JavaScript build of binaryen) on each new module: minutes, not
// seconds, the first time (then cached by content). A guard against hangs, not a performance limit.
const BUILD_TIMEOUT = 1_200_000;

describe('the packages installed from their tarballs, outside the repository', () => {
  let tarballs: string[];
  beforeAll(() => {
    tarballs = packAll({ check: true });
  });

  it('load with require and import, and ship their executors and assets', () => {
    const dir = consumerFolder(tarballs);
    cpSync(join(CONSUMER, 'load-with-require.cjs'), join(dir, 'load-with-require.cjs'));
    const report = JSON.parse(run(dir, [process.execPath, 'load-with-require.cjs']));
    for (const name of ['core', 'python-wasi', 'numpy-wasi', 'pandas-wasi', 'cython-patcher', 'stub-bundler', 'linker', 'nx-plugin', 'host']) {
      expect(report[name].exports, name).toBeGreaterThan(0);
      expect(report[name].missing, name).toEqual([]);
    }
    // Packages that are data: core reads the step each names in its package.json.
    for (const name of ['numexpr-wasi', 'bottleneck-wasi']) expect(report[name].step, name).toBe(name);
    expect(report.missingAssets).toEqual([]);
    expect(report.lockFrom).toBe(join(dir, 'node_modules', '@wasi-pystack', 'core', 'dist', 'sources.lock.json'));
    const imported = run(dir, [process.execPath, '--input-type=module', '-e', "import { link } from '@wasi-pystack/linker'; import { createNodesV2 } from '@wasi-pystack/nx-plugin'; console.log(typeof link, createNodesV2[0])"]);
    expect(imported).toBe('function **/{pyproject.toml,wasi-step.json}\n');
    // Nothing that runs needs a TypeScript loader: no .ts file ships.
    const files = execFileSync('find', [join(dir, 'node_modules', '@wasi-pystack'), '-name', '*.ts', '-not', '-name', '*.d.ts'], { encoding: 'utf8' });
    expect(files).toBe('');
  });

  it('(a) a plain Node script builds a command module and a reactor with the typed API', () => {
    const dir = consumerFolder(tarballs);
    cpSync(join(CONSUMER, 'build-with-api.mjs'), join(dir, 'build-with-api.mjs'));
    run(dir, [process.execPath, 'build-with-api.mjs']);
    expectTinyModules(join(dir, 'out', 'tiny-command.wasm'), join(dir, 'out', 'tiny-reactor.wasm'), dir);
  }, BUILD_TIMEOUT);

  it('(b) a fresh Nx workspace builds the same through the plugin, from pyproject.toml alone', () => {
    const dir = consumerFolder(tarballs, [`nx@${NX_VERSION}`]);
    writeFileSync(join(dir, 'nx.json'), JSON.stringify({ plugins: ['@wasi-pystack/nx-plugin'], useDaemonProcess: false, analytics: false, neverConnectToCloud: true }, null, 2));
    const nx = [process.execPath, join(dir, 'node_modules', 'nx', 'dist', 'bin', 'nx.js')];
    const targets = JSON.parse(run(dir, [...nx, 'show', 'project', 'tiny', '--json'])).targets;
    expect(Object.keys(targets)).toEqual(expect.arrayContaining(['compile-python-wasi', 'bundle', 'build']));
    run(dir, [...nx, 'run', 'tiny:build', '--outputStyle=static']);
    run(dir, [...nx, 'run', 'tiny:build:command', '--outputStyle=static']);
    expectTinyModules(join(dir, 'tiny', 'dist', 'tiny-command.wasm'), join(dir, 'tiny', 'dist', 'tiny.wasm'), dir);
  }, BUILD_TIMEOUT);

  it("(c) each package README's example runs as written, together building python-pandas.wasm", () => {
    const dir = consumerFolder(tarballs);
    for (const pkg of README_ORDER) {
      const readme = readFileSync(join(ROOT, 'packages', pkg, 'README.md'), 'utf8');
      const example = /## On its own\n[\s\S]*?```js\n([\s\S]*?)```/.exec(readme)?.[1];
      expect(example, `${pkg}/README.md has an "On its own" js example`).toBeDefined();
      writeFileSync(join(dir, `readme-${pkg}.mjs`), example!);
      // The host's example runs python-pandas.wasm, whose C++ exceptions are exnref: Node 22+.
      run(dir, [pkg === 'host' ? moduleNode() : process.execPath, `readme-${pkg}.mjs`]);
    }
    const r = wasmtime.run(join(dir, 'out', 'python-pandas.wasm'), ['-c', 'import pandas, numpy, dateutil, pytz; print(pandas.__version__, numpy.__version__, pandas.Series([1, 2, 3]).sum())']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+ \d+\.\d+\.\d+ 6\n$/);
  }, BUILD_TIMEOUT);

  it("(d) a workspace's own recipe: msgpack's C extension, pinned in the workspace's lock and built by core's setuptools builder", () => {
    const dir = consumerFolder(tarballs, [`nx@${NX_VERSION}`]);
    writeFileSync(join(dir, 'nx.json'), JSON.stringify({ plugins: ['@wasi-pystack/nx-plugin'], useDaemonProcess: false, analytics: false, neverConnectToCloud: true }, null, 2));
    // The workspace's lock: the packages' own pins plus msgpack's sdist.
    const lock = JSON.parse(readFileSync(join(dir, 'node_modules', '@wasi-pystack', 'core', 'dist', 'sources.lock.json'), 'utf8'));
    lock.sources.msgpack = MSGPACK_PIN;
    mkdirSync(join(dir, 'deps'));
    writeFileSync(join(dir, 'deps', 'sources.lock.json'), JSON.stringify(lock, null, 2));
    cpSync(join(CONSUMER, 'msgpack'), dir, { recursive: true });
    const nx = [process.execPath, join(dir, 'node_modules', 'nx', 'dist', 'bin', 'nx.js')];
    expect(Object.keys(JSON.parse(run(dir, [...nx, 'show', 'project', 'msgpack', '--json'])).targets)).toContain('compile');
    run(dir, [...nx, 'run', 'packer:build', '--outputStyle=static']);
    const module = join(dir, 'packer', 'dist', 'packer.wasm');
    expect([...new Set(wasmImports(module).map((i) => i.module))]).toEqual(['wasi_snapshot_preview1']);
    const probe = [
      'import sys, msgpack, msgpack._cmsgpack as c',
      'print("msgpack._cmsgpack" in sys.builtin_module_names, msgpack.Packer is c.Packer, type(c.Packer).__name__)',
      'print(msgpack.unpackb(msgpack.packb({"a": [1, 2.5, b"x", None]})), msgpack.packb([1, "é"]).hex())',
    ].join('\n');
    const r = wasmtime.run(module, ['-c', probe]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe("True True type\n{'a': [1, 2.5, b'x', None]} 9201a2c3a9\n");
  }, BUILD_TIMEOUT);
});

/**
 * (e) The toolchain and the host package under the other Node versions CI covers (deps/hosts.json):
 * the same fresh Nx workspace builds the tiny project's two modules with that Node, and the host
 * package runs them with that Node.
 */
let packedOnce: string[] | undefined;
describe.each(HOSTS.ci.node as string[])('the packed packages under Node %s', (version) => {
  it('(e) build the tiny project through Nx and run its modules through @wasi-pystack/host', () => {
    const node = installHost('node', version)[0];
    const dir = consumerFolder((packedOnce ??= packAll()), [`nx@${NX_VERSION}`]);
    writeFileSync(join(dir, 'nx.json'), JSON.stringify({ plugins: ['@wasi-pystack/nx-plugin'], useDaemonProcess: false, analytics: false, neverConnectToCloud: true }, null, 2));
    const nx = [node, join(dir, 'node_modules', 'nx', 'dist', 'bin', 'nx.js')];
    run(dir, [...nx, 'run', 'tiny:build', '--outputStyle=static']);
    run(dir, [...nx, 'run', 'tiny:build:command', '--outputStyle=static']);
    writeFileSync(join(dir, 'input.bin'), 'twelve bytes');
    cpSync(join(CONSUMER, 'run-with-host.mjs'), join(dir, 'run-with-host.mjs'));
    const report = JSON.parse(run(dir, [node, 'run-with-host.mjs', 'tiny/dist/tiny-command.wasm', 'tiny/dist/tiny.wasm', 'input.bin']));
    expect(report).toEqual({ node: `v${version}`, command: 0, deadline: 'deadline', reactor: [{ ok: true, rc: 0, tiny: { bytes: 12, six: '1.17.0' } }] });
  }, BUILD_TIMEOUT);
});

/** msgpack 1.2.4's sdist (its C extension is Cython output it ships; its fallback is pure Python). */
const MSGPACK_PIN = {
  version: '1.2.4',
  file: 'msgpack-1.2.4.tar.gz',
  sha256: '475c44e12f2a5de766a8448783f149c9b33f3f49b88953c6cd739a77d93c732c',
  mirrors: ['pypi:msgpack/msgpack-1.2.4.tar.gz'],
};

/** The order in which the README examples build on each other's outputs. */
const README_ORDER = ['core', 'python-wasi', 'numpy-wasi', 'numexpr-wasi', 'bottleneck-wasi', 'pandas-wasi', 'stub-bundler', 'linker', 'host', 'cython-patcher'];
