export interface LockExecutorOptions {
  /** The project's folder (with pyproject.toml), relative to the workspace root. */
  project: string;
  dryRun?: boolean;
}
