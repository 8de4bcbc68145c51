export interface CompileExecutorOptions {
  outputPath?: string;
  jobs?: number;
}
