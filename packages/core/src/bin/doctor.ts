#!/usr/bin/env node
// Prints what the toolchain found on this machine and what is missing, with the fix.
import { doctorChecks } from '../doctor';
import { findWorkspaceRoot } from '../workspace-root';

const checks = doctorChecks(findWorkspaceRoot());
for (const c of checks) {
  console.log(`${c.ok ? 'ok     ' : 'MISSING'} ${c.what}: ${c.found}${!c.ok && c.fix ? `\n        fix: ${c.fix}` : ''}`);
}
process.exitCode = checks.every((c) => c.ok) ? 0 : 1;
