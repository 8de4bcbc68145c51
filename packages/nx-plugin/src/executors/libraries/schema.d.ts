export interface LibrariesExecutorOptions {
  /** The step file (wasi-step.json), relative to the workspace root. */
  step: string;
  /** A configuration of the step ("default" when left out, or when the step has no such configuration). */
  configuration?: string;
  jobs?: number;
}
