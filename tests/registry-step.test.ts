// A step added to a workspace with no TypeScript: one step file (with its recipe inline) and one
// patch under recipes/, a project whose pyproject.toml pins the package, and Nx. The plugin finds
// the step file, the project depends on it, the step builds markupsafe's C extension on the step
// engine (CPython restored from the step cache), and the module uses that C code.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { stepsDir } from '@wasi-pystack/core';
import { wasmImports } from '@wasi-pystack/linker';
import { ROOT, wasmtime } from './runtime/runtimes';

const FIXTURE = join(__dirname, 'fixtures', 'registry-step');

function nx(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'nx', 'dist', 'bin', 'nx.js'), ...args], { cwd, encoding: 'utf8', env: { ...process.env, NX_TUI: 'false', NX_DAEMON: 'false', NX_NO_CLOUD: 'true' } });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
}

/** A scratch workspace outside the repository: this repository's packages (linked), its lock, and the fixture. */
function scratchWorkspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wasi-pystack-registry-'));
  cpSync(FIXTURE, dir, { recursive: true });
  cpSync(join(ROOT, 'deps'), join(dir, 'deps'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'scratch', private: true }));
  // The packages are this repository's, linked rather than installed, so the workspace names its own
  // cache inputs for them (as this repository's nx.json does) instead of npm's external nodes.
  const inputs = { compile: [{ env: 'WASI_SDK_PATH' }], bundle: [{ env: 'WASI_SDK_PATH' }], build: [{ env: 'WASI_SDK_PATH' }] };
  writeFileSync(join(dir, 'nx.json'), JSON.stringify({ plugins: [{ plugin: '@wasi-pystack/nx-plugin', options: { inputs } }], useDaemonProcess: false, analytics: false, neverConnectToCloud: true }));
  return dir;
}

const BUILD_TIMEOUT = 1_200_000;

describe('a step from one recipe file and a patch, in a scratch workspace', () => {
  let dir: string;
  beforeAll(() => {
    dir = scratchWorkspace();
  });

  it('becomes a project the pinning project depends on, with no TypeScript written', () => {
    const r = nx(dir, 'show', 'project', 'markupsafe', '--json');
    expect(r.code, r.out).toBe(0);
    const step = JSON.parse(r.out.slice(r.out.indexOf('{'), r.out.lastIndexOf('}') + 1));
    expect(step.targets.compile).toMatchObject({ executor: '@wasi-pystack/nx-plugin:compile', options: { step: 'recipes/markupsafe/wasi-step.json', outputPath: 'dist/markupsafe' } });
    expect(step.targets['compile-python-wasi']).toMatchObject({ executor: '@wasi-pystack/nx-plugin:compile', options: { step: '@wasi-pystack/python-wasi/wasi-step.json' } });
    const app = nx(dir, 'show', 'project', 'app', '--json');
    const targets = JSON.parse(app.out.slice(app.out.indexOf('{'), app.out.lastIndexOf('}') + 1)).targets;
    expect(targets.bundle.options.inputs).toEqual(['app/dist/steps/python-wasi', 'dist/markupsafe']);
  });

  it('builds through Nx into a module that imports the patched package and runs its C code', () => {
    const build = nx(dir, 'run', 'app:build', '--outputStyle=static');
    expect(build.code, build.out.slice(-4000)).toBe(0);
    const manifest = JSON.parse(readFileSync(join(dir, 'dist', 'markupsafe', 'wasi-manifest.json'), 'utf8'));
    expect(manifest.modules).toEqual([{ name: 'markupsafe._speedups', initSymbol: 'PyInit_markupsafe___speedups' }]);
    const record = JSON.parse(readFileSync(join(dir, 'dist', 'markupsafe', '.step-complete.json'), 'utf8'));
    expect(record.step).toBe('markupsafe-wasm32-wasip1');
    const module = join(dir, 'app', 'dist', 'app.wasm');
    expect([...new Set(wasmImports(module).map((i) => i.module))]).toEqual(['wasi_snapshot_preview1']);
    const probe = [
      'import markupsafe, markupsafe._speedups as c, sys',
      'print(markupsafe.__wasi_pystack_patched__, "markupsafe._speedups" in sys.builtin_module_names)',
      'print(markupsafe._escape_inner is c._escape_inner, type(c._escape_inner).__name__)',
      'print(markupsafe.escape("<a href=\\"x\\">&</a>"))',
    ].join('\n');
    const r = wasmtime.run(module, ['-c', probe]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('0001 True\nTrue builtin_function_or_method\n&lt;a href=&#34;x&#34;&gt;&amp;&lt;/a&gt;\n');
  }, BUILD_TIMEOUT);

  it('names the step file and the key of a bad recipe, and leaves no cache entry behind', () => {
    const stepFile = join(dir, 'recipes', 'markupsafe', 'wasi-step.json');
    const good = readFileSync(stepFile, 'utf8');
    const broken = JSON.parse(good);
    broken.configurations.default.recipe.extension = broken.configurations.default.recipe.extensions;
    delete broken.configurations.default.recipe.extensions;
    writeFileSync(stepFile, JSON.stringify(broken));
    const before = existsSync(join(stepsDir(), 'markupsafe-wasm32-wasip1')) ? readdirSync(join(stepsDir(), 'markupsafe-wasm32-wasip1')).sort() : [];
    const r = nx(dir, 'run', 'markupsafe:compile', '--outputStyle=static', '--skip-nx-cache');
    expect(r.code).not.toBe(0);
    // Nx indents what a plugin reports; the lines are ours.
    const lines = r.out.split('\n').map((l) => l.replace(/\x1b\[\d+m/g, '').replace(/^[\s-]+/, ''));
    for (const line of [`${stepFile} has 2 problem(s)`, 'extension: unknown key', 'extensions: missing', 'Fix: correct the keys named above (see CExtensionRecipe in @wasi-pystack/core)']) expect(lines).toContain(line);
    const unpinned = JSON.parse(good);
    unpinned.configurations.default.recipe.source = 'markupsafe-9';
    writeFileSync(stepFile, JSON.stringify(unpinned));
    const r2 = nx(dir, 'run', 'markupsafe:compile', '--outputStyle=static', '--skip-nx-cache');
    expect(r2.out).toContain(`${stepFile} names sources the lock does not pin\n  markupsafe-9: not a key under sources in ${join(dir, 'deps', 'sources.lock.json')}`);
    const failing = JSON.parse(good);
    failing.configurations.default.recipe.extensions[0].cflags = ['-include', 'wasi-pystack-no-such-header.h'];
    writeFileSync(stepFile, JSON.stringify(failing));
    const r3 = nx(dir, 'run', 'markupsafe:compile', '--outputStyle=static', '--skip-nx-cache');
    expect(r3.code).not.toBe(0);
    expect(r3.out).toMatch(/command failed \(exit 1\): \S+\/cc -c .*_speedups\.c[\s\S]*log: \S+\/steps\/markupsafe-wasm32-wasip1\/\w+\.log/);
    const after = readdirSync(join(stepsDir(), 'markupsafe-wasm32-wasip1')).sort();
    // Only the failed build's log and work folder are new; no entry without its completion marker.
    for (const entry of after.filter((e) => !before.includes(e))) expect(entry).toMatch(/\.(log|work)$/);
    writeFileSync(stepFile, good);
  }, BUILD_TIMEOUT);
});

describe('a setuptools recipe that cannot build', () => {
  let dir: string;
  beforeAll(() => {
    dir = scratchWorkspace();
  });
  const stepFile = (name: string, recipe: Record<string, unknown>) => {
    mkdirSync(join(dir, 'recipes', name), { recursive: true });
    const file = join(dir, 'recipes', name, 'wasi-step.json');
    writeFileSync(file, JSON.stringify({ format: 'wasi-pystack-step/1', step: name, description: name, builder: 'setuptools', upstream: ['python-wasi', 'numpy-wasi'], configurations: { default: { recipe: { format: 'wasi-pystack-setuptools-recipe/1', ...recipe } } } }));
    return file;
  };
  const entries = (step: string) => (existsSync(join(stepsDir(), step)) ? readdirSync(join(stepsDir(), step)).sort() : []);
  const lines = (out: string) => out.split('\n').map((l) => l.replace(/\x1b\[\d+m/g, '').replace(/^[\s-]+/, ''));

  it('names the extension and what it needs when it calls what WASI lacks (a process), and leaves no entry behind', () => {
    // markupsafe's own build, with a header that makes its extension start a process. (A thread
    // cannot even compile: wasi-libc's pthread_create is a static assertion without threads.)
    const header = join(dir, 'starts-a-process.h');
    writeFileSync(header, 'extern int fork(void);\n__attribute__((used)) static int start_child(void) { return fork(); }\n');
    const file = stepFile('markupsafe-forking', { package: 'markupsafe', source: 'markupsafe', buildRequires: ['setuptools'], extensions: ['markupsafe._speedups'], env: { CFLAGS: `-include ${header}` } });
    const before = entries('markupsafe-wasm32-wasip1');
    const r = nx(dir, 'run', 'markupsafe-forking:compile', '--outputStyle=static', '--skip-nx-cache');
    expect(r.code).not.toBe(0);
    expect(lines(r.out)).toContain(`${file}: 1 extension problem(s) in markupsafe 3.0.3`);
    expect(lines(r.out)).toContain('markupsafe._speedups calls fork: it needs processes, which wasm32-wasip1 does not have');
    expect(lines(r.out)).toContain("Fix: patch the extension (the recipe's patches) so that it builds and runs without them, and say why in the patch");
    for (const entry of entries('markupsafe-wasm32-wasip1').filter((e) => !before.includes(e))) expect(entry).toMatch(/\.(log|work)$/);
  }, BUILD_TIMEOUT);

  it('does not take a pure-Python fallback for the extension its recipe lists', () => {
    // markupsafe's setup.py builds without its C speedups when their compile fails.
    const file = stepFile('markupsafe-fallback', { package: 'markupsafe', source: 'markupsafe', buildRequires: ['setuptools'], extensions: ['markupsafe._speedups'], env: { CFLAGS: '-include wasi-pystack-no-such-header.h' } });
    const r = nx(dir, 'run', 'markupsafe-fallback:compile', '--outputStyle=static', '--skip-nx-cache');
    expect(r.code).not.toBe(0);
    expect(lines(r.out)).toContain(`${file}: the extensions of markupsafe 3.0.3 are not the ones its recipe lists`);
    expect(r.out).toMatch(/markupsafe\._speedups: the build made no such extension \(a failed compile may have fallen back to pure Python: see \S+\/steps\/markupsafe-wasm32-wasip1\/\w+\.log\)/);
  }, BUILD_TIMEOUT);

  it('points at the log when a compile fails, and leaves no entry behind', () => {
    stepFile('bottleneck-broken', { package: 'bottleneck', source: 'bottleneck', buildRequires: ['setuptools', 'versioneer'], extensions: ['bottleneck.move', 'bottleneck.nonreduce', 'bottleneck.nonreduce_axis', 'bottleneck.reduce'], env: { CFLAGS: '-include wasi-pystack-no-such-header.h' } });
    const before = entries('bottleneck-wasm32-wasip1');
    const r = nx(dir, 'run', 'bottleneck-broken:compile', '--outputStyle=static', '--skip-nx-cache');
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/command failed \(exit 1\): \S+python3\S* \S+pep517_wheel\.py[\s\S]*log: \S+\/steps\/bottleneck-wasm32-wasip1\/\w+\.log[\s\S]*wasi-pystack-no-such-header\.h/);
    for (const entry of entries('bottleneck-wasm32-wasip1').filter((e) => !before.includes(e))) expect(entry).toMatch(/\.(log|work)$/);
  }, BUILD_TIMEOUT);
});

describe('a step from an installed package that is data, made at test time', () => {
  // The same step as above, shipped the way a package of the toolchain is: a folder in node_modules
  // with a package.json naming its step file, and the workspace naming the package as a dependency.
  // No TypeScript anywhere, and no list in the plugin.
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'wasi-pystack-packaged-'));
    cpSync(join(FIXTURE, 'app'), join(dir, 'app'), { recursive: true });
    cpSync(join(ROOT, 'deps'), join(dir, 'deps'), { recursive: true });
    mkdirSync(join(dir, 'node_modules'));
    for (const entry of readdirSync(join(ROOT, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules', entry), join(dir, 'node_modules', entry));
    const pkg = join(dir, 'node_modules', 'markupsafe-wasi');
    cpSync(join(FIXTURE, 'recipes', 'markupsafe'), pkg, { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'markupsafe-wasi', version: '1.0.0', 'wasi-pystack': { step: 'wasi-step.json' } }));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'scratch', private: true, dependencies: { 'markupsafe-wasi': '1.0.0' } }));
    const inputs = { compile: [{ env: 'WASI_SDK_PATH' }], bundle: [{ env: 'WASI_SDK_PATH' }], build: [{ env: 'WASI_SDK_PATH' }] };
    writeFileSync(join(dir, 'nx.json'), JSON.stringify({ plugins: [{ plugin: '@wasi-pystack/nx-plugin', options: { inputs } }], useDaemonProcess: false, analytics: false, neverConnectToCloud: true }));
  });

  it('is found, built for the project that pins the package, and its C code runs in the module', () => {
    const app = nx(dir, 'show', 'project', 'app', '--json');
    expect(app.code, app.out).toBe(0);
    const targets = JSON.parse(app.out.slice(app.out.indexOf('{'), app.out.lastIndexOf('}') + 1)).targets;
    expect(Object.keys(targets)).toEqual(expect.arrayContaining(['compile-python-wasi', 'compile-markupsafe', 'bundle', 'build']));
    const build = nx(dir, 'run', 'app:build', '--outputStyle=static');
    expect(build.code, build.out.slice(-4000)).toBe(0);
    const r = wasmtime.run(join(dir, 'app', 'dist', 'app.wasm'), ['-c', 'import markupsafe, sys; print(markupsafe.__wasi_pystack_patched__, "markupsafe._speedups" in sys.builtin_module_names, markupsafe.escape("<&>"))']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('0001 True &lt;&amp;&gt;\n');
  }, BUILD_TIMEOUT);
});

