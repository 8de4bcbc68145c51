export interface CythonizeExecutorOptions {
  pythonWasi?: string;
  root: string;
  sources: string[];
  outputPath: string;
  cplus?: boolean;
}
