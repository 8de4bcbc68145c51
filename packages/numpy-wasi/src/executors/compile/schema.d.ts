export type { StepExecutorOptions as CompileExecutorOptions } from '@wasi-pystack/core';
