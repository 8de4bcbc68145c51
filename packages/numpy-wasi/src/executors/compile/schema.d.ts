export interface CompileExecutorOptions {
  pythonWasi?: string;
  outputPath?: string;
  jobs?: number;
  recipe?: string;
}
