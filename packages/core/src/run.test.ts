import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CommandError } from './errors';
import { queryCommand, queryCommandBytes, runCommand } from './run';

describe('queryCommand', () => {
  const dir = mkdtempSync(join(tmpdir(), 'query-'));
  const logFile = join(dir, 'step.log');

  it('returns stdout and keeps a transcript of the command and its stderr', () => {
    const out = queryCommand({ argv: ['sh', '-c', 'echo out; echo warn >&2'], cwd: dir, env: { X: '1' } }, { logFile });
    expect(out).toBe('out\n');
    const log = readFileSync(logFile, 'utf8');
    expect(log).toContain(`📁 ${dir}\n  X=1\n❯ sh -c echo out; echo warn >&2\n`);
    expect(log).toContain('warn\n');
    expect(log).not.toContain('out\n');
  });

  it('raises CommandError with the exit code and the log tail', () => {
    let error: unknown;
    try {
      queryCommand({ argv: ['sh', '-c', 'echo broken input >&2; exit 3'], cwd: dir }, { logFile });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CommandError);
    expect((error as CommandError).exitCode).toBe(3);
    expect((error as CommandError).logFile).toBe(logFile);
    expect((error as CommandError).logTail).toContain('broken input');
  });

  it('without a log, the error carries stderr; a missing program is a CommandError too', () => {
    expect(() => queryCommand({ argv: ['sh', '-c', 'echo no log here >&2; exit 1'], cwd: dir })).toThrow(/no log here/);
    expect(() => queryCommand({ argv: ['wasi-pystack-no-such-program'], cwd: dir })).toThrow(CommandError);
  });

  it('a working folder that does not exist is named as the cause, not reported as a missing program', async () => {
    const cwd = join(dir, 'no-such-folder');
    expect(() => queryCommand({ argv: ['true'], cwd })).toThrow(`working folder ${cwd} does not exist`);
    await expect(runCommand({ argv: ['true'], cwd }, { logFile: join(dir, 'cwd.log') })).rejects.toThrow(`working folder ${cwd} does not exist`);
  });

  it('feeds stdin, returns bytes, and runs with a clean environment when asked', () => {
    expect(queryCommandBytes({ argv: ['cat'], cwd: dir }, { input: Buffer.from([1, 2, 3]) })).toEqual(Buffer.from([1, 2, 3]));
    process.env.WASI_PYSTACK_QUERY_PROBE = 'leaked';
    expect(queryCommand({ argv: ['sh', '-c', 'echo "[$WASI_PYSTACK_QUERY_PROBE]"'], cwd: dir }, { cleanEnv: true })).toBe('[]\n');
    delete process.env.WASI_PYSTACK_QUERY_PROBE;
  });
});
