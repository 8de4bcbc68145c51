// Untrusted files through the hosts (issue 23): a file processor (test-projects/file-summary) is fed
// files that make its Python code loop forever, allocate without bound and recurse deeply through C,
// between ordinary files. Each bad file ends its own run (the deadline, MemoryError inside the cap,
// RecursionError), and the next file is processed normally, under wasmtime and Node.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { RUNTIMES, requireModule, type WadupResult } from './runtimes';

const REACTOR = requireModule('test-projects/file-summary/dist/file-summary.wasm');
const LIMITS = { deadlineMs: 5_000, maxMemory: '256MiB' };

const records = (links: [number, number | null][]) => JSON.stringify({ name: 'orders', records: links.map(([id, next]) => (next === null ? { id } : { id, next })) });
const FILES: Record<string, string | Buffer> = {
  'ordinary.json': records([[1, 2], [2, 3], [3, null]]),
  // The chain links back to its start: the processor follows it forever.
  'cycle.json': records([[1, 2], [2, 1]]),
  // 512 MiB of JSON whitespace in half a MiB: decompressing it outgrows the 256 MiB cap.
  'bomb.json.gz': gzipSync(Buffer.alloc(512 << 20, 0x20), { level: 9 }),
  // 100,000 nested arrays: the C JSON decoder recurses once per level.
  'deep.json': '['.repeat(100_000) + ']'.repeat(100_000),
};

let dir: string;
const input = (name: string) => join(dir, name);
const summary = (r: WadupResult) => JSON.parse(r.metadata['summary.json']);
const ORDINARY = { kind: 'dict', keys: ['name', 'records'], chain: 3 };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hostile-'));
  for (const [name, content] of Object.entries(FILES)) writeFileSync(input(name), content);
});

describe.each(RUNTIMES)('hostile files through the $name host', (runtime) => {
  it('one instance for every file (the way a host calls process()): each bad file ends its own run, the next file is processed', () => {
    const order = ['ordinary.json', 'cycle.json', 'ordinary.json', 'bomb.json.gz', 'ordinary.json', 'deep.json', 'ordinary.json'];
    const { results, stderr } = runtime.wadup(REACTOR, join(dir, `sandbox-${runtime.name}`), order.map(input), LIMITS);
    expect(results.map((r) => r.input)).toEqual(order.map(input));
    const [first, cycle, afterCycle, bomb, afterBomb, deep, last] = results;
    for (const ok of [first, afterCycle, afterBomb, last]) expect(summary(ok)).toMatchObject(ORDINARY);
    // The loop: the deadline ends the run; its instance is gone and the next file gets a fresh one.
    expect(cycle.error).toMatchObject({ reason: 'deadline' });
    // The bomb: MemoryError inside the cap, caught by the processor; the instance carries on.
    expect(summary(bomb)).toMatchObject({ error: 'MemoryError' });
    // Deep nesting: RecursionError from C, not a crash of the host.
    expect(summary(deep)).toMatchObject({ error: 'RecursionError', message: expect.stringMatching(/maximum recursion depth exceeded/) });
    expect(stderr).not.toMatch(/Fatal|Segmentation|core dumped/);
  });

  it('a fresh instance per file: the same outcomes, file by file', () => {
    const order = ['cycle.json', 'bomb.json.gz', 'deep.json', 'ordinary.json'];
    const { results } = runtime.wadup(REACTOR, join(dir, `fresh-${runtime.name}`), order.map(input), { ...LIMITS, fresh: true });
    expect(results.map((r) => r.error?.reason ?? summary(r).error ?? 'ok')).toEqual(['deadline', 'MemoryError', 'RecursionError', 'ok']);
  });
});
