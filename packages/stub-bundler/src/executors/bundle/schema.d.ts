export interface BundleExecutorOptions {
  inputs: string[];
  project?: string;
  wheels?: string[];
  stubs?: string[];
  outputPath: string;
}
