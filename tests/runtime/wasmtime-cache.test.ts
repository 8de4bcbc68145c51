import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, VENV_PYTHON } from './runtimes';

describe('wasi-run.py compiled-module cache', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('evicts the least recently used entries beyond its budget and keeps the new one', () => {
    const folder = mkdtempSync(join(tmpdir(), 'cwasm-cache-'));
    dirs.push(folder);
    const mib = Buffer.alloc(1 << 20);
    // five 1 MiB entries, a.cwasm oldest; e.cwasm is the one just written
    ['a', 'b', 'c', 'd', 'e'].forEach((name, i) => {
      const file = join(folder, `${name}.cwasm`);
      writeFileSync(file, mib);
      utimesSync(file, 1000 + i, 1000 + i);
    });
    writeFileSync(join(folder, 'notes.txt'), 'not a compiled module');
    const script = [
      'import importlib.util, sys',
      `spec = importlib.util.spec_from_file_location("wasi_run", ${JSON.stringify(join(ROOT, 'tools', 'wasi-run.py'))})`,
      'm = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)',
      `m.prune_cache(${JSON.stringify(folder)}, keep=${JSON.stringify(join(folder, 'a.cwasm'))}, budget_mb=3)`,
    ].join('\n');
    const r = spawnSync(VENV_PYTHON, ['-c', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(readdirSync(folder).sort()).toEqual(['a.cwasm', 'd.cwasm', 'e.cwasm', 'notes.txt']);
  });
});
