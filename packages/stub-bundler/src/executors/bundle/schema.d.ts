export interface BundleExecutorOptions {
  inputs: string[];
  project?: string;
  wheels?: string[];
  stubs?: string[];
  outputPath: string;
  optimize?: 0 | 1 | 2;
}
