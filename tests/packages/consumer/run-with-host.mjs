// Runs the tiny project's modules through the installed @wasi-pystack/host: the command (exit code,
// and a loop stopped by its deadline) and the reactor on one input. Prints one JSON line.
import { writeSync } from 'node:fs';
import { createPool, loadModule, processFiles } from '@wasi-pystack/host';

const [command, reactor, input] = process.argv.slice(2);
const pool = createPool(await loadModule(command, { maxMemory: '512MiB' }));
const { value } = await pool.runCommandModule({ args: ['-c', 'import tiny'] });
const deadline = await pool.runCommandModule({ args: ['-c', 'while True: pass'], deadlineMs: 2000 }).then(() => 'finished', (e) => e.reason);
await pool.close();
const outcomes = await processFiles(reactor, [input], { deadlineMs: 30_000 });
const report = outcomes.map((o) => (o.ok ? { ok: true, rc: o.result.rc, tiny: JSON.parse(o.result.metadata['tiny.json']) } : { ok: false, reason: o.error.reason }));
writeSync(1, `${JSON.stringify({ node: process.version, command: value, deadline, reactor: report })}\n`);
