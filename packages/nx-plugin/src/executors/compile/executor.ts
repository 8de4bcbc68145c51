import { stepCompileExecutor } from '@wasi-pystack/core';

/** Builds any registered step from its step file (options.step): core's one step executor. */
export default stepCompileExecutor();
