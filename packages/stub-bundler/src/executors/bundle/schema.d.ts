export interface BundleExecutorOptions {
  inputs: string[];
  project?: string;
  stubs?: string[];
  outputPath: string;
}
