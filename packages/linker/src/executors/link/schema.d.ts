export interface LinkExecutorOptions {
  inputs: string[];
  bundle: string;
  kind?: 'command' | 'reactor';
  outputPath: string;
  strip?: boolean;
  snapshot?: boolean;
  optimize?: boolean | string[];
  /** See LinkOptions.maxMemory. */
  maxMemory?: number | string;
  /** See LinkOptions.exceptions. */
  exceptions?: 'exnref' | 'legacy' | 'none';
}
