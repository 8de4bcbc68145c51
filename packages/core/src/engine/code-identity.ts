import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * The identity of the code that builds a step: a hash of the content of the given module files and
 * of every module they import by a relative path, transitively. It goes into step keys instead of a
 * hand-kept version number, so any change to what builds a step rebuilds it, and nothing else does.
 *
 * Content only, never paths: a package installed elsewhere (or a clone at another place) hashes the
 * same. A module runs as its TypeScript source in this workspace (Nx transpiles workspace packages)
 * and as built JavaScript where the packages are installed; both hash the built JavaScript
 * (`src/x.ts` -> `dist/x.js`, tools/build-packages.mjs), so the two share step cache entries. A
 * source newer than its build is hashed itself: a new key, never a stale one.
 *
 * A module that declares `const WASI_PYSTACK_KEY_NEUTRAL = true` at the start of a line (log lines,
 * timings: code that cannot change what a step builds) is left out with what it imports, so improving
 * a log message does not rebuild every step.
 */
const MARKER = 'WASI_PYSTACK_KEY_NEUTRAL';
const KEY_NEUTRAL_LINE = new RegExp(`^(?:export )?const ${MARKER} = true;`, 'm');
const RELATIVE_IMPORT = /(?:require\(\s*|\bfrom\s+|\bimport\s*\(\s*)["'](\.{1,2}\/[^"']+)["']/g;
const EXTENSIONS = ['', '.js', '.ts', '/index.js', '/index.ts'];

function resolveModule(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  for (const ext of EXTENSIONS) {
    const file = `${base}${ext}`;
    if (existsSync(file) && statSync(file).isFile()) return file;
  }
  return undefined;
}

const mtime = (file: string) => (existsSync(file) ? statSync(file).mtimeMs : undefined);

/** The file that stands for a module: its built JavaScript when that is at least as new as its source. */
export function hashedFile(file: string): string {
  const source = /^(.*)\/src\/(.*)\.ts$/.exec(file);
  const built = /^(.*)\/dist\/(.*)\.js$/.exec(file);
  const [ts, js] = source ? [file, `${source[1]}/dist/${source[2]}.js`] : built ? [`${built[1]}/src/${built[2]}.ts`, file] : [file, file];
  const [tsTime, jsTime] = [mtime(ts), mtime(js)];
  if (jsTime === undefined) return ts;
  return tsTime !== undefined && tsTime > jsTime ? ts : js;
}

/** Every module file the roots reach through relative imports (the roots included), sorted. */
export function moduleClosure(roots: string[]): string[] {
  const seen = new Set<string>();
  const stack = roots.map((r) => hashedFile(resolve(r)));
  while (stack.length) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    const text = readFileSync(file, 'utf8');
    if (KEY_NEUTRAL_LINE.test(text) && !roots.some((r) => hashedFile(resolve(r)) === file)) continue;
    seen.add(file);
    for (const m of text.matchAll(RELATIVE_IMPORT)) {
      const next = resolveModule(file, m[1]);
      if (next && !seen.has(hashedFile(next))) stack.push(hashedFile(next));
    }
  }
  return [...seen].sort();
}

const cache = new Map<string, string>();

/** Hash of the content of every module the roots reach (see moduleClosure), plus data files given as they are. */
export function codeIdentity(roots: string[], dataFiles: string[] = []): string {
  const id = JSON.stringify([roots, dataFiles]);
  const known = cache.get(id);
  if (known) return known;
  const digests = [...moduleClosure(roots), ...dataFiles.map((f) => resolve(f))].map((f) => createHash('sha256').update(readFileSync(f)).digest('hex'));
  const identity = createHash('sha256').update(digests.sort().join('\n')).digest('hex').slice(0, 20);
  cache.set(id, identity);
  return identity;
}
