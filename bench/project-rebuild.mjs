#!/usr/bin/env node
// How long one changed line of a test project's Python costs: appends a comment to the project's
// first module, times `nx run <project>:build[:configuration]`, and restores the file. Run after
// `npm run build` and the test projects' builds (a warm cache: the steps and the stack's wasm-opt
// pass are cached), e.g.
//   node bench/project-rebuild.mjs hello hello:command pandas-report
// Prints one line per project: wall seconds, and the linker's own timings from Nx's output.
import { execFileSync } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const targets = process.argv.slice(2).length ? process.argv.slice(2) : ['hello', 'hello:command', 'pandas-report'];

/** The project's first Python module under src/<package>/. */
function firstModule(project) {
  const src = join(root, 'test-projects', project, 'src');
  const pkg = readdirSync(src).find((d) => !d.endsWith('.egg-info'));
  const file = readdirSync(join(src, pkg)).filter((f) => f.endsWith('.py')).sort()[0];
  return join(src, pkg, file);
}

for (const target of targets) {
  const [project, configuration] = target.split(':');
  const file = firstModule(project);
  const original = readFileSync(file);
  appendFileSync(file, `\n# bench/project-rebuild.mjs ${new Date().toISOString()}\n`);
  const start = process.hrtime.bigint();
  let output;
  try {
    output = execFileSync('npx', ['nx', 'run', `${project}:build${configuration ? `:${configuration}` : ''}`, '--outputStyle=stream'], { cwd: root, encoding: 'utf8', env: { ...process.env, NX_DAEMON: 'false' } });
  } finally {
    writeFileSync(file, original);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const phases = [...output.matchAll(/\[wasi-pystack\] (bundling|linking|wasm-opt|snapshot)\b.* done in ([\d.]+) s/g)].map((m) => `${m[1]} ${m[2]} s`);
  console.log(`${target}: ${seconds.toFixed(1)} s (${phases.join(', ')})`);
}
