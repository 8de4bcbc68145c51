// Runs a package's own test suite inside its test module under wasmtime and writes the report.
//   node -r @swc-node/register tests/suites/run-suite.ts numpy [DIR...]
// A test that takes the whole instance down (a trap) is recorded as "crashed" and the directory is
// run again without it. Reports: docs/test-suites/<suite>.json and .md (committed).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stepOutputDir, venvPython, type ConfigurationName } from '@wasi-pystack/core';

const ROOT = resolve(__dirname, '..', '..');

export interface Suite {
  module: string;
  /** Folders merged into the guest's /site (the package with its tests). */
  site: string[];
  dirs: string[];
  /** Shards listed from the package at run time instead (see discoverShards). */
  discover?: { root: string; split: string[] };
  /** Skip lists ("<nodeid glob>  # reason"), all in one folder; a configuration adds its own to the base list. */
  skips: string[];
  /** Extra pytest arguments. */
  pytestArgs?: string[];
}

/** The site folders of a suite: the packages' step outputs of a configuration. */
const numpySite = (c: ConfigurationName) => [`${stepOutputDir('numpy-wasi', c)}/site-packages`, `${stepOutputDir('numpy-wasi', c)}/test-helpers/site-packages`];
const pandasSite = (c: ConfigurationName) => [`${stepOutputDir('numpy-wasi', c)}/site-packages`, `${stepOutputDir('pandas-wasi', c)}/site-packages`];

export const SUITES: Record<string, Suite> = {
  numpy: {
    module: 'test-projects/test-suites/dist/numpy-tests.wasm',
    site: numpySite('default'),
    // Every test folder of the package (native NumPy 2.4.0 collects 50,150 tests from these).
    dirs: [
      'numpy/_core/tests', 'numpy/lib/tests', 'numpy/ma/tests', 'numpy/random/tests', 'numpy/polynomial/tests', 'numpy/linalg/tests',
      'numpy/matrixlib/tests', 'numpy/typing/tests', 'numpy/fft/tests', 'numpy/testing/tests', 'numpy/tests', 'numpy/f2py/tests',
    ],
    skips: ['test-projects/test-suites/skips/numpy.txt'],
    // Six test modules import ctypes at module level; the stand-in lets them be collected.
    pytestArgs: ['--ctypes-standin'],
  },
  pandas: {
    module: 'test-projects/test-suites/dist/pandas-tests.wasm',
    site: pandasSite('default'),
    // Every folder under pandas/tests, one shard each; io (many small optional-dependency folders) and
    // the top-level test files are one shard per child. Listed from the site at run time.
    dirs: [],
    discover: { root: 'pandas/tests', split: ['pandas/tests', 'pandas/tests/io'] },
    skips: ['test-projects/test-suites/skips/pandas.txt'],
    // The pandas sdist ships no test data files: tests that need one are skipped, not failed.
    pytestArgs: ['--no-strict-data-files', '--ctypes-standin'],
  },
};

/** pandas' accelerators (issue 20): their own suites, and pandas' suite with both installed, on one module. */
const ACCELERATORS_MODULE = 'test-projects/test-suites/dist/accelerators-tests.wasm';
const acceleratorSite = () => [`${stepOutputDir('numexpr-wasi')}/site-packages`, `${stepOutputDir('bottleneck-wasi')}/site-packages`];
SUITES.numexpr = {
  module: ACCELERATORS_MODULE,
  site: [`${stepOutputDir('numpy-wasi')}/site-packages`, `${stepOutputDir('numexpr-wasi')}/site-packages`],
  dirs: ['numexpr/tests'],
  skips: ['test-projects/test-suites/skips/numexpr.txt'],
};
SUITES.bottleneck = {
  module: ACCELERATORS_MODULE,
  site: [`${stepOutputDir('numpy-wasi')}/site-packages`, `${stepOutputDir('bottleneck-wasi')}/site-packages`],
  dirs: ['bottleneck/tests'],
  skips: ['test-projects/test-suites/skips/bottleneck.txt'],
};
SUITES['pandas-accelerated'] = {
  ...SUITES.pandas,
  module: ACCELERATORS_MODULE,
  site: [...pandasSite('default'), ...acceleratorSite()],
};

/**
 * The same suites in the pandas3 configuration (NumPy 2.5.5, pandas 3.1.1): their test modules come
 * from test-suites:numpy:pandas3 and test-suites:pandas:pandas3; reports are <name>-pandas3.*.
 */
for (const name of ['numpy', 'pandas']) {
  const suite = SUITES[name];
  SUITES[`${name}-pandas3`] = {
    ...suite,
    module: suite.module.replace('/dist/', '/dist/pandas3/'),
    site: (name === 'numpy' ? numpySite : pandasSite)('pandas3'),
    skips: [...suite.skips, `test-projects/test-suites/skips/${name}-pandas3.txt`],
  };
}

export interface Result {
  id: string;
  outcome: string;
  message?: string;
}

/** Folders the guest needs besides the package: a writable /tmp, /dev/null (pytest's logging), and a root. */
function guestFolders(): [string, string][] {
  const base = mkdtempSync(join(tmpdir(), 'suite-guest-'));
  for (const d of ['tmp', 'dev', 'root']) mkdirSync(join(base, d));
  writeFileSync(join(base, 'dev', 'null'), '');
  return [[join(base, 'root'), '/'], [join(base, 'tmp'), '/tmp'], [join(base, 'dev'), '/dev']];
}

export function runDir(suite: Suite, site: string, out: string, dir: string): Result[] {
  const results = join(out, `${dir.replace(/\//g, '_')}.jsonl`);
  rmSync(results, { force: true });
  const crashed: Result[] = [];
  for (let attempt = 0; attempt < 30; attempt++) {
    const argv = [
      venvPython(), join(ROOT, 'tools', 'wasi-run.py'),
      ...guestFolders().flatMap(([host, guest]) => ['--dir', `${host}::${guest}`]),
      '--dir', `${site}::/site`, '--dir', `${out}::/out`, '--dir', `${join(ROOT, suite.skips[0], '..')}::/suite`,
      '--env', 'HYPOTHESIS_NO_PLUGINS=1',
      join(ROOT, suite.module), '-m', 'wasi_test_suite',
      '--results', `/out/${results.split('/').pop()}`, ...suite.skips.flatMap((f) => ['--skips', `/suite/${f.split('/').pop()}`]),
      ...crashed.flatMap((c) => (c.id.startsWith('collect:') ? ['--ignore', c.id.slice('collect:'.length)] : ['--deselect', c.id])),
      ...(suite.pytestArgs ?? []),
      '--rootdir', '/site', `/site/${dir}`,
    ];
    const start = Date.now();
    const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', maxBuffer: 1 << 30 });
    process.stderr.write(`${dir}: exit ${r.status} after ${((Date.now() - start) / 1000).toFixed(0)} s\n`);
    if (r.status === 0) break;
    const current = existsSync(`${results}.current`) ? readFileSync(`${results}.current`, 'utf8') : '';
    rmSync(`${results}.current`, { force: true });
    const done = new Set(readResults(results).map((x) => x.id));
    if (!current || done.has(current)) {
      process.stderr.write(`${dir}: stopped without a test to blame:\n${r.stderr.slice(-3000)}\n`);
      crashed.push({ id: `${dir} (run aborted)`, outcome: 'crashed', message: r.stderr.trim().split('\n').slice(-1)[0] });
      break;
    }
    crashed.push({ id: current, outcome: 'crashed', message: r.stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 300) });
    process.stderr.write(`${dir}: the instance died in ${current}; running the rest without it\n`);
  }
  const byId = new Map<string, Result>();
  for (const x of [...readResults(results), ...crashed]) byId.set(x.id, x);
  return [...byId.values()];
}

function readResults(file: string): Result[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

/**
 * Shards of a test tree: each folder under `root` is one; a folder listed in `split` is replaced by
 * its children (sub-folders and test_*.py files), so a shard stays small enough for one run.
 */
export function discoverShards(site: string, root: string, split: string[]): string[] {
  const shards: string[] = [];
  const visit = (dir: string) => {
    for (const entry of readdirSync(join(site, dir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory() && entry.name !== '__pycache__') {
        if (split.includes(path)) visit(path);
        else shards.push(path);
      } else if (entry.isFile() && /^test_.*\.py$/.test(entry.name)) shards.push(path);
    }
  };
  visit(root);
  return shards;
}

/** The package trees (with tests) merged into one folder, mapped to the guest's /site. */
export function prepareSite(suite: Suite): string {
  const site = mkdtempSync(join(tmpdir(), 'suite-site-'));
  for (const s of suite.site) cpSync(join(ROOT, s), site, { recursive: true });
  return site;
}

export function countOutcomes(results: Result[]): Record<string, number> {
  const counts: Record<string, number> = { passed: 0, failed: 0, skipped: 0, error: 0, crashed: 0, xfailed: 0, xpassed: 0 };
  for (const r of results) counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
  return counts;
}

/** Pass rate over the tests that ran: passed / (passed + failed + errors + crashed). */
export function passRate(c: Record<string, number>): number {
  const ran = c.passed + c.failed + c.error + c.crashed;
  return ran ? c.passed / ran : 1;
}

function markdownReport(name: string, suite: Suite, report: Record<string, Record<string, number>>, failures: Record<string, Result[]>): string {
  const total: Record<string, number> = {};
  for (const c of Object.values(report)) for (const [k, v] of Object.entries(c)) total[k] = (total[k] ?? 0) + v;
  // What native NumPy / pandas collect from the same folders (pytest --collect-only, same versions).
  const nativeFile = join(ROOT, 'docs', 'test-suites', 'native-collected.json');
  const native: Record<string, number> = existsSync(nativeFile) ? JSON.parse(readFileSync(nativeFile, 'utf8'))[name]?.byShard ?? {} : {};
  const nativeCount = (dir: string) => Object.entries(native).filter(([k]) => k === dir || k.startsWith(`${dir}/`)).reduce((n, [, v]) => n + v, 0);
  let nativeTotal = 0;
  const row = (dir: string, c: Record<string, number>) => {
    const n = dir === '**all**' ? nativeTotal : nativeCount(dir);
    if (dir !== '**all**') nativeTotal += n;
    return `| ${dir} | ${n || '–'} | ${c.passed} | ${c.failed} | ${c.error} | ${c.crashed} | ${c.skipped} | ${c.xfailed + c.xpassed} | ${(100 * passRate(c)).toFixed(2)} % |`;
  };
  const lines = [
    `# ${name} test suite on wasm32-wasip1 (wasmtime)`,
    '',
    `Generated by \`node -r @swc-node/register tests/suites/run-suite.ts ${name}\` with ${suite.module}.`,
    'Pass rate = passed / (passed + failed + errors + crashed); skipped and xfail/xpass are not counted.',
    '',
    'Collected natively: what native pytest --collect-only finds in the same folder (docs/test-suites/native-collected.json).',
    '',
    '| directory | collected natively | passed | failed | errors | crashed | skipped | xfail/xpass | pass rate |',
    '|---|---|---|---|---|---|---|---|---|',
    ...Object.entries(report).map(([dir, c]) => row(dir, c)),
    row('**all**', total),
    '',
    `## Skip list (${suite.skips.join(', ')})`,
    '',
    'Tests using the `capfd` fixture are skipped too: file-descriptor capture needs dup(), which WASI lacks.',
    '',
    '```',
    suite.skips.map((f) => readFileSync(join(ROOT, f), 'utf8').trim()).join('\n'),
    '```',
    '',
    ...suite.skips.map((f) => join(ROOT, f.replace(/\.txt$/, '.notes.md'))).filter((f) => existsSync(f)).flatMap((f) => [readFileSync(f, 'utf8').trim(), '']),
    '## Failures, errors and crashes',
    '',
  ];
  for (const [dir, list] of Object.entries(failures)) {
    if (!list.length) continue;
    lines.push(`### ${dir}`, '');
    const byMessage = new Map<string, string[]>();
    for (const f of list) {
      const key = `${f.outcome}: ${f.message ?? ''}`;
      byMessage.set(key, [...(byMessage.get(key) ?? []), f.id]);
    }
    for (const [message, ids] of [...byMessage].sort((a, b) => b[1].length - a[1].length)) {
      lines.push(`- ${ids.length} × \`${message.replace(/`/g, "'")}\``);
      for (const id of ids.slice(0, 8)) lines.push(`  - ${id}`);
      if (ids.length > 8) lines.push(`  - … ${ids.length - 8} more`);
    }
    lines.push('');
  }
  return lines.join('\n') + '\n';
}

function main() {
  const [name, ...only] = process.argv.slice(2);
  const suite = SUITES[name];
  if (!suite) throw new Error(`unknown suite ${name}; one of ${Object.keys(SUITES).join(', ')}`);
  if (only[0] === '--render') {
    // Rewrites the Markdown report from the JSON one (after editing the skip list's comments).
    const saved = JSON.parse(readFileSync(join(ROOT, 'docs', 'test-suites', `${name}.json`), 'utf8'));
    writeFileSync(join(ROOT, 'docs', 'test-suites', `${name}.md`), markdownReport(name, suite, saved.counts, saved.failures));
    return;
  }
  const site = prepareSite(suite);
  const out = join(ROOT, 'dist', 'test-suites', name);
  mkdirSync(out, { recursive: true });
  // Running some directories again keeps the other directories' results of the last full run.
  const previous = only.length && existsSync(join(ROOT, 'docs', 'test-suites', `${name}.json`)) ? JSON.parse(readFileSync(join(ROOT, 'docs', 'test-suites', `${name}.json`), 'utf8')) : { counts: {}, failures: {} };
  const report: Record<string, Record<string, number>> = previous.counts;
  const failures: Record<string, Result[]> = previous.failures;
  const dirs = only.length ? only : suite.discover ? discoverShards(site, suite.discover.root, suite.discover.split) : suite.dirs;
  for (const dir of dirs) {
    const results = runDir(suite, site, out, dir);
    const counts = countOutcomes(results);
    report[dir] = counts;
    failures[dir] = results.filter((r) => ['failed', 'error', 'crashed'].includes(r.outcome));
    process.stderr.write(`${dir}: ${JSON.stringify(counts)}\n`);
    // Written after every directory, so a long run that is stopped still leaves a report.
    writeFileSync(join(ROOT, 'docs', 'test-suites', `${name}.json`), JSON.stringify({ suite: name, counts: report, failures }, null, 1) + '\n');
    writeFileSync(join(ROOT, 'docs', 'test-suites', `${name}.md`), markdownReport(name, suite, report, failures));
  }
  process.stderr.write(`report: docs/test-suites/${name}.json and .md\n`);
}

if (require.main === module) main();
