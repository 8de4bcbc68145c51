import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundle } from './index';

const WORKSPACE = resolve(__dirname, '..', '..', '..');

describe('bundle() with a bad project', () => {
  it('fails with one clear error and writes nothing', async () => {
    const project = mkdtempSync(join(tmpdir(), 'badproj-'));
    mkdirSync(join(project, 'src', 'bad'), { recursive: true });
    writeFileSync(join(project, 'pyproject.toml'), '[project]\nname = "bad"\ndependencies = "six"\n\n[tool.wasi-pystack]\nentry = "bad:main"\n');
    const outDir = join(project, 'out');
    await expect(bundle({ workspaceRoot: WORKSPACE, inputs: [join(WORKSPACE, 'dist', 'python-wasi')], project, outDir })).rejects.toThrowError(
      `${join(project, 'pyproject.toml')}: [project] dependencies must be a list\nFix: write dependencies = ["name==version", ...]`,
    );
    expect(existsSync(outDir)).toBe(false);
  });
});
