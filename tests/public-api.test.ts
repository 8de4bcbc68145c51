// The scripts of this repository (tools/, bench/, the consumer examples) use only what the packages'
// index.ts export by name (issue 33): a name they read that the built package does not export fails
// here, not in the middle of `npm test`'s set-up.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');
const scripts = ['tools', 'bench', 'tests/packages/consumer'].flatMap((dir) => readdirSync(join(ROOT, dir)).filter((f) => /\.(mjs|cjs)$/.test(f)).map((f) => `${dir}/${f}`));
const exportsOf = (pkg: string) => new Set(Object.keys(require(join(ROOT, 'packages', pkg, 'dist', 'index.js'))));

describe('the public APIs', () => {
  it('hold every name the scripts read from them', () => {
    const missing: string[] = [];
    for (const file of scripts) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      const uses: [string, string][] = [];
      for (const m of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*'@wasi-pystack\/([a-z-]+)'/g)) for (const n of m[1].split(',')) uses.push([m[2], n.replace(/^\s*type\s+/, '').split(' as ')[0].trim()]);
      for (const m of text.matchAll(/require\('@wasi-pystack\/([a-z-]+)'\)\.(\w+)/g)) uses.push([m[1], m[2]]);
      // A package's built index loaded by path, then read by property (tools/setup.mjs: core.venvDir()).
      for (const m of text.matchAll(/const (\w+) = [^;\n]*packages', '([a-z-]+)', 'dist', 'index\.js'\)\)/g)) for (const u of text.matchAll(new RegExp(`\\b${m[1]}\\.(\\w+)`, 'g'))) uses.push([m[2], u[1]]);
      for (const [pkg, name] of uses) if (name && !exportsOf(pkg).has(name)) missing.push(`${file}: @wasi-pystack/${pkg} has no export ${name}`);
    }
    expect(missing).toEqual([]);
  });
});
