export interface CompileExecutorOptions {
  pythonWasi?: string;
  numpyWasi?: string;
  outputPath?: string;
  jobs?: number;
  recipe?: string;
}
