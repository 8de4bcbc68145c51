import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
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
    throw new CommandError(cmd.argv, null, options.logFile, (e as Error).message);
  } finally {
    closeSync(fd);
  }
}

/** Runs commands in order, logging each step's label. */
export async function runAll(commands: Command[], options: RunOptions): Promise<void> {
  for (const cmd of commands) await runCommand(cmd, options);
}

export { log };
