import { stepCompileExecutor } from '@wasi-pystack/core';
import { STEP_FILE } from '../../index';

/** Builds this package's step: core's one step executor (nx-plugin's compile) with this step file. */
export default stepCompileExecutor(STEP_FILE);
