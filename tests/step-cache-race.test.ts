// Two builds of one step entry at once (two clones or two CI jobs on one machine sharing
// ~/.cache/wasi-pystack): one builds, the other waits and reuses it; the entry is never corrupted.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CHILD = join(__dirname, 'fixtures', 'step-race-child.mjs');

function runChild(cacheRoot: string, journal: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CHILD, cacheRoot, journal], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the step cache under concurrent builds', () => {
  it('builds an entry once when two processes race for it, and both get the complete entry', async () => {
    const cacheRoot = mkdtempSync(join(tmpdir(), 'race-cache-'));
    const journal = join(cacheRoot, 'journal.txt');
    const [a, b] = await Promise.all([runChild(cacheRoot, journal), runChild(cacheRoot, journal)]);
    expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0]);
    const results = [a, b].map((r) => JSON.parse(r.stdout.trim().split('\n').pop()!));
    expect(results.map((r) => r.cached).sort()).toEqual([false, true]);
    expect(results[0].outDir).toBe(results[1].outDir);
    const lines = readFileSync(journal, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/ start$/);
    expect(lines[1]).toBe(lines[0].replace('start', 'end'));
    const entry = readdirSync(results[0].outDir).sort();
    expect(entry).toEqual(['.step-complete.json', ...Array.from({ length: 20 }, (_, i) => `part${i}.txt`)].sort());
    // Nothing is left behind but the entry and its log.
    expect(readdirSync(join(cacheRoot, 'steps', 'race')).filter((n) => /\.(lock|work)$|\.tmp-/.test(n))).toEqual([]);
  });
});
