/** Messages only, never what a step builds: not part of step keys (engine/code-identity.ts). */
const WASI_PYSTACK_KEY_NEUTRAL = true;

/**
 * The one error shape users see: what is wrong, and what to do about it.
 * Build steps throw these for bad input; anything else is a bug.
 */
export class WasiPystackError extends Error {
  constructor(
    readonly problem: string,
    readonly fix: string,
    readonly details: string[] = [],
  ) {
    super([problem, ...details.map((d) => `  ${d}`), `Fix: ${fix}`].join('\n'));
    this.name = 'WasiPystackError';
  }
}

/** A command that exited non-zero. Carries everything needed to debug it. */
export class CommandError extends Error {
  constructor(
    readonly argv: string[],
    readonly exitCode: number | null,
    readonly logFile: string,
    readonly logTail: string,
  ) {
    super(
      `command failed (exit ${exitCode}): ${argv.join(' ')}\n` +
        `log: ${logFile}\n--- last lines ---\n${logTail}`,
    );
    this.name = 'CommandError';
  }
}

/** Prints an error for a person: our errors as they are, anything else with its stack. */
export function reportFailure(error: unknown): void {
  if (error instanceof WasiPystackError || error instanceof CommandError) console.error(`\n${error.message}`);
  else console.error(error);
}
