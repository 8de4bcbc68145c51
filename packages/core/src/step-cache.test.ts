import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cachedStep, stepDir } from './step-cache';

describe('cachedStep', () => {
  it('builds once, then reuses the finished folder', async () => {
    const cacheRoot = mkdtempSync(join(tmpdir(), 'steps-'));
    let builds = 0;
    const build = async (out: string) => {
      builds++;
      writeFileSync(join(out, 'result.txt'), 'ok');
    };
    const first = await cachedStep({ step: 'demo', key: { a: 1 }, cacheRoot }, build);
    const second = await cachedStep({ step: 'demo', key: { a: 1 }, cacheRoot }, build);
    expect([first.cached, second.cached, builds]).toEqual([false, true, 1]);
    expect(existsSync(join(second.outDir, 'result.txt'))).toBe(true);
  });

  it('leaves no half-written entry when the build fails', async () => {
    const cacheRoot = mkdtempSync(join(tmpdir(), 'steps-'));
    const spec = { step: 'demo', key: { a: 2 }, cacheRoot };
    await expect(
      cachedStep(spec, async (out) => {
        writeFileSync(join(out, 'partial.txt'), 'half');
        throw new Error('compiler exploded');
      }),
    ).rejects.toThrow('compiler exploded');
    expect(existsSync(stepDir(spec))).toBe(false);
    expect(readdirSync(join(cacheRoot, 'steps', 'demo')).filter((n) => !n.endsWith('.work') && !n.endsWith('.log'))).toEqual([]);
  });
});
