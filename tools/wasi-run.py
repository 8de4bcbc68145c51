#!/usr/bin/env python3
"""Runs a wasi-pystack module under wasmtime (the PyPI embedding API), the way the wasmtime CLI would.

    wasi-run.py [--dir HOST::GUEST]... [--env NAME=VALUE]... [LIMITS] MODULE [ARGS...]
        Runs a command module (_start); exits with its exit code.
    wasi-run.py --wadup ROOT [--fresh-instance] [LIMITS] MODULE INPUT...
        Acts as a WADUP-like host on a reactor module: one instance, and one sandbox (a private
        folder made under ROOT, the guest's "/" and the only folder it sees); for each INPUT: empty
        the sandbox, write the input as /data.bin, make /metadata and /subcontent, call process(),
        and print one JSON line {"input", "rc", "metadata": {name: text}, "subcontent": [names]}.
        The guest's stdout goes to this process's stderr, so a guest cannot print result lines.
        --fresh-instance: a new instance (new store, new memory) and a new sandbox for every input,
        isolating inputs from each other; the compiled module is reused, so this costs one
        instantiation per input. Each line then also has "instantiate_ms" and "process_ms".
        An input whose run fails prints {"input", "error": {"reason", "message"}}; its instance is
        dropped and the next input gets a fresh one.
    LIMITS, for every entry into the guest (instantiation + _initialize, _start, each process()):
        --deadline-ms N   wall-clock deadline (epoch interruption)
        --fuel N          wasmtime fuel (about one unit per wasm instruction)
        --max-memory SIZE linear memory cap, bytes or with KiB/MiB/GiB; the guest sees MemoryError
      and with --wadup, what a sandbox may hold while process() runs and when its outputs are read
      (past it: "sandbox-limit"):
        --sandbox-max-bytes SIZE    default 1 GiB
        --sandbox-max-entries N     files and folders, default 10000
        --max-printed-bytes SIZE    what process() may print to stdout and stderr per input,
                                    default 16 MiB (they go to this process's stderr)
      and the output quota, what is read back from /metadata and /subcontent per input (past it:
      "output-quota"; a link, hard link or fifo there is listed in "refused", never read):
        --max-output-bytes SIZE     default 64 MiB
        --max-output-files N        default 1000
    A failed command run prints "wasi-run.py: REASON: MESSAGE" on stderr and exits 124 (deadline,
    fuel), 137 (memory-cap) or 134 (trap).

The host itself is packages/host/wasmtime/wasi_pystack_host.py (the engine settings, the 16 MiB
wasm stack on a 64 MiB native thread stack, the compiled-module cache, limits and how runs end);
this file is its command-line face. Compiled modules are cached in <cache>/<wasmtime version>,
keyed by the module's sha256, within a bound (LRU; default 2048 MiB): every build of a module is a
new key, so without a bound it grew by 25-90 MB per build. The folder and the bound are workspace
facts (packages/core/src/workspace-facts.ts), read from .wasi-pystack/workspace-facts.json, which
`npm run setup` writes for its environment (WASI_PYSTACK_CACHE, WASI_PYSTACK_WASMTIME_CACHE_MB).
"""
import argparse
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "packages", "host", "wasmtime"))
import wasi_pystack_host as host_lib  # noqa: E402

FACTS_FILE = os.path.join(ROOT, ".wasi-pystack", "workspace-facts.json")
EXIT_CODES = {"deadline": 124, "fuel": 124, "memory-cap": 137, "trap": 134, "exit": 134}


def workspace_facts():
    """.wasi-pystack/workspace-facts.json: the cache root and what lives in it, written by `npm run setup`."""
    try:
        with open(FACTS_FILE) as f:
            return json.load(f)
    except FileNotFoundError:
        sys.exit(f"wasi-run.py: {FACTS_FILE} is missing: run `npm run setup` first (it writes the workspace facts)")


def prune_cache(folder, keep, budget_mb=None):
    """Removes the least recently used compiled modules until the folder fits the budget."""
    if budget_mb is None:
        budget_mb = workspace_facts()["wasmtimeCache"]["maxMb"]
    host_lib.prune_cache(folder, keep, budget_mb)


def parse_size(text):
    m = re.fullmatch(r"\s*(\d+)\s*(|B|KiB|MiB|GiB|K|M|G)\s*", text, re.IGNORECASE)
    if not m:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (bytes, or a number with KiB/MiB/GiB)")
    return int(m.group(1)) << {"": 0, "b": 0, "k": 10, "kib": 10, "m": 20, "mib": 20, "g": 30, "gib": 30}[m.group(2).lower()]


def parse_dir(spec):
    host, sep, guest = spec.partition("::")
    return (host, guest if sep else host)


def make_host(args):
    cache = workspace_facts()["wasmtimeCache"]
    try:
        return host_lib.WasmtimeHost(args.module, max_memory=args.max_memory, deadline_ms=args.deadline_ms, fuel=args.fuel,
                                     cache_dir=cache["dir"], cache_max_mb=cache["maxMb"])
    except host_lib.CannotCompile as e:
        sys.exit(f"wasi-run.py: {e}")


def run_command(args):
    try:
        return make_host(args).run_command(args.args, [parse_dir(d) for d in args.dir], args.env)
    except host_lib.RunError as e:
        print(f"wasi-run.py: {e.reason}: {e}", file=sys.stderr, flush=True)
        return EXIT_CODES[e.reason]


def run_wadup(args):
    # Result lines go to stdout; what the guest prints to stderr (the host reads it through pipes).
    printing = {"print_to": sys.stderr.buffer, "max_printed_bytes": args.max_printed_bytes}
    quota = {"max_output_bytes": args.max_output_bytes, "max_output_files": args.max_output_files}
    limits = {"max_bytes": args.sandbox_max_bytes, "max_entries": args.sandbox_max_entries}
    host = make_host(args)
    kept = sandbox = None
    try:
        for item in args.args:
            try:
                if args.fresh_instance:
                    with host_lib.Sandbox(args.wadup, **limits) as fresh:
                        line = host_lib.process_input(host, fresh, item, args.env, **printing, **quota)
                else:
                    if kept is None or kept.store is None:
                        if sandbox is not None:
                            sandbox.remove()
                        sandbox = host_lib.Sandbox(args.wadup, **limits)
                        kept = host.instance([(sandbox.path, "/")], args.env, stdin=False, **printing)
                    line = host_lib.process_input(kept, sandbox, item, **quota)
                    del line["process_ms"]
                line["subcontent"] = sorted(line["subcontent"])
                if not line["refused"]:
                    del line["refused"]
            except host_lib.RunError as e:
                line = {"input": item, "error": e.as_dict()}
            print("WADUP " + json.dumps(line, sort_keys=True), flush=True)
    finally:
        if kept is not None:
            kept.close()
        if sandbox is not None:
            sandbox.remove()
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", action="append", default=[], help="HOST::GUEST directory to preopen")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the guest")
    parser.add_argument("--wadup", metavar="SANDBOX", help="act as a WADUP-like host; ARGS are the inputs")
    parser.add_argument("--fresh-instance", action="store_true", help="with --wadup: a new instance for every input")
    parser.add_argument("--deadline-ms", type=int, metavar="N", help="wall-clock deadline per entry into the guest")
    parser.add_argument("--fuel", type=int, metavar="N", help="wasmtime fuel per entry into the guest")
    parser.add_argument("--max-memory", type=parse_size, metavar="SIZE", help="linear memory cap (bytes, KiB, MiB, GiB)")
    parser.add_argument("--sandbox-max-bytes", type=parse_size, metavar="SIZE", default=host_lib.DEFAULT_SANDBOX_MAX_BYTES,
                        help="with --wadup: bytes a sandbox may hold (bytes, KiB, MiB, GiB)")
    parser.add_argument("--max-printed-bytes", type=parse_size, metavar="SIZE", default=host_lib.DEFAULT_MAX_PRINTED_BYTES,
                        help="with --wadup: what process() may print per input (bytes, KiB, MiB, GiB)")
    parser.add_argument("--max-output-bytes", type=parse_size, metavar="SIZE", default=host_lib.DEFAULT_MAX_OUTPUT_BYTES,
                        help="with --wadup: the output quota in bytes read back per input")
    parser.add_argument("--max-output-files", type=int, metavar="N", default=host_lib.DEFAULT_MAX_OUTPUT_FILES,
                        help="with --wadup: the output quota in files read back per input")
    parser.add_argument("--sandbox-max-entries", type=int, metavar="N", default=host_lib.DEFAULT_SANDBOX_MAX_ENTRIES,
                        help="with --wadup: files and folders a sandbox may hold")
    parser.add_argument("module")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    return run_wadup(args) if args.wadup else run_command(args)


if __name__ == "__main__":
    sys.exit(main())
