export interface CompileExecutorOptions {
  outputPath?: string;
  jobs?: number;
  /** A configuration of the step file (wasi-step.json). */
  configuration?: string;
  /** Output folders of the upstream steps, by step name (nx-plugin passes them). */
  upstream?: Record<string, string>;
}
