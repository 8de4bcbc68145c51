import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CommandError } from './errors';
import { log } from './log';

/** A planned command: plain data, no shell. `env` holds only the variables it changes. */
export interface Command {
  argv: string[];
  cwd: string;
  env?: Record<string, string>;
}

export interface RunOptions {
  /** Where the transcript and the output go (appended). */
  logFile: string;
  /** Also stream output to stderr (WASI_PYSTACK_VERBOSE=1 sets it by default). */
  verbose?: boolean;
}

function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Why a program did not start: a missing working folder reads as ENOENT too, so it is named first. */
function startFailure(cmd: Command, error: Error): string {
  return existsSync(cmd.cwd) ? error.message : `working folder ${cmd.cwd} does not exist (${error.message})`;
}

/** Runs one command, appending a transcript ("❯ argv") and all output to the log file. */
export async function runCommand(cmd: Command, options: RunOptions): Promise<void> {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const envLines = Object.entries(cmd.env ?? {}).map(([k, v]) => `  ${k}=${v}`);
  appendFileSync(options.logFile, [`\n📁 ${cmd.cwd}`, ...envLines, `❯ ${cmd.argv.join(' ')}`, ''].join('\n'));
  const verbose = options.verbose ?? process.env.WASI_PYSTACK_VERBOSE === '1';
  const fd = openSync(options.logFile, 'a');
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(cmd.argv[0], cmd.argv.slice(1), {
        cwd: cmd.cwd,
        env: { ...process.env, ...cmd.env },
        stdio: ['ignore', verbose ? 'pipe' : fd, verbose ? 'pipe' : fd],
      });
      if (verbose) {
        for (const stream of [child.stdout!, child.stderr!]) {
          stream.on('data', (chunk: Buffer) => {
            appendFileSync(options.logFile, chunk);
            process.stderr.write(chunk);
          });
        }
      }
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (code !== 0) throw new CommandError(cmd.argv, code, options.logFile, tail(options.logFile));
  } catch (e) {
    if (e instanceof CommandError) throw e;
    throw new CommandError(cmd.argv, null, options.logFile, startFailure(cmd, e as Error));
  } finally {
    closeSync(fd);
  }
}

export interface QueryOptions {
  /** Where the transcript ("❯ argv") and the command's stderr go (appended); none: stderr is kept only for the error. */
  logFile?: string;
  /** Fed to the command's stdin. */
  input?: string | Buffer;
  /** The environment is exactly `cmd.env` (plus PATH), not this process's with `cmd.env` on top. */
  cleanEnv?: boolean;
  /** Treated as success besides 0 (e.g. a probe that may find nothing). */
  okExitCodes?: number[];
}

const QUERY_MAX_BUFFER = 1 << 30;

/**
 * Runs one command for its output (ninja -t commands, nm, meson introspect, tar -xO, clang --version):
 * returns stdout as text. The transcript line and stderr go to the log like runCommand's; a failure
 * raises CommandError with the log's tail (or stderr when there is no log). The one place besides
 * runCommand that starts a program.
 */
export function queryCommand(cmd: Command, options: QueryOptions = {}): string {
  return queryCommandBytes(cmd, options).toString('utf8');
}

/** queryCommand, returning stdout's bytes (an archive member, a script). */
export function queryCommandBytes(cmd: Command, options: QueryOptions = {}): Buffer {
  const { logFile } = options;
  if (logFile) {
    mkdirSync(dirname(logFile), { recursive: true });
    const envLines = Object.entries(cmd.env ?? {}).map(([k, v]) => `  ${k}=${v}`);
    appendFileSync(logFile, [`\n📁 ${cmd.cwd}`, ...envLines, `❯ ${cmd.argv.join(' ')}`, ''].join('\n'));
  }
  const env = options.cleanEnv ? { PATH: process.env.PATH ?? '', ...cmd.env } : { ...process.env, ...cmd.env };
  const result = spawnSync(cmd.argv[0], cmd.argv.slice(1), { cwd: cmd.cwd, env, input: options.input, maxBuffer: QUERY_MAX_BUFFER, stdio: ['pipe', 'pipe', 'pipe'] });
  const stderr = result.stderr ?? Buffer.alloc(0);
  if (logFile && stderr.length) appendFileSync(logFile, stderr);
  if (result.error) throw new CommandError(cmd.argv, null, logFile ?? '(no log)', startFailure(cmd, result.error));
  const ok = result.status === 0 || (result.status !== null && (options.okExitCodes ?? []).includes(result.status));
  if (!ok) throw new CommandError(cmd.argv, result.status, logFile ?? '(no log)', logFile ? tail(logFile) : stderr.toString('utf8').split('\n').slice(-40).join('\n'));
  return result.stdout;
}

/** Runs commands in order, logging each step's label. */
export async function runAll(commands: Command[], options: RunOptions): Promise<void> {
  for (const cmd of commands) await runCommand(cmd, options);
}

export { log };
