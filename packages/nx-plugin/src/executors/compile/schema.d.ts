export interface CompileExecutorOptions {
  /** The step file (wasi-step.json), relative to the workspace root. */
  step: string;
  /** A configuration of the step ("default" when left out, or when the step has no such configuration). */
  configuration?: string;
  /** Where the output goes, relative to the workspace root. */
  outputPath: string;
  /** Output folders of the steps it builds on, by step name, relative to the workspace root. */
  upstream?: Record<string, string>;
  jobs?: number;
}
