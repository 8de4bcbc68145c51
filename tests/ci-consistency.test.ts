// The README's two commands are what CI runs: .ci/run (this machine) and the GitHub Actions example.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');

/** The first sh block of the README: one command per line, comments stripped. */
function readmeCommands(): string[] {
  const block = /```sh\n([\s\S]*?)```/.exec(read('README.md'))![1];
  return block.split('\n').map((l) => l.replace(/#.*$/, '').trim()).filter(Boolean);
}

describe('CI definitions', () => {
  it("start from the README's two commands: build, then test", () => {
    expect(readmeCommands()).toEqual(['npm run build', 'npm test']);
  });

  it('.ci/run calls exactly the README test command', () => {
    const commands = read('.ci/run').split('\n').filter((l) => l.trim() && !l.startsWith('#') && !/^(set|cd) /.test(l.trim()));
    expect(commands).toEqual(['npm test']);
  });

  it('the GitHub Actions example runs both, caches the step cache keyed on the lock, and reads the remote cache from configuration', () => {
    const workflow = read('.github/workflows/ci.yml');
    const runs = [...workflow.matchAll(/^\s+run: (.+)$/gm)].map((m) => m[1].trim());
    expect(runs.slice(0, 2)).toEqual(readmeCommands());
    expect(workflow).toMatch(/path: ~\/\.cache\/wasi-pystack/);
    expect(workflow).toMatch(/hashFiles\('deps\/sources\.lock\.json'/);
    expect(workflow).toMatch(/\$\{\{ secrets\.NX_CACHE_TOKEN \}\}/);
    expect(workflow).not.toMatch(/token: [A-Za-z0-9]{12,}/);
  });
});
