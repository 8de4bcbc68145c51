#!/usr/bin/env python3
"""Runs a wasi-pystack module under wasmtime (the PyPI embedding API), the way the wasmtime CLI would.

    wasi-run.py [--dir HOST::GUEST]... [--env NAME=VALUE]... MODULE [ARGS...]
        Runs a command module (_start); exits with its exit code.
    wasi-run.py --wadup SANDBOX INPUT... MODULE
        Acts as a WADUP-like host on a reactor module: one instance, for each INPUT: copy it to
        SANDBOX/data.bin, empty SANDBOX/metadata and SANDBOX/subcontent, call process(), and print
        one JSON line {"input", "rc", "metadata": {name: text}, "subcontent": [names]}.
        SANDBOX is the guest's "/" (and the only directory the module sees).
        --fresh-instance: a new instance (new store, new memory) for every input, isolating inputs
        from each other; the compiled module is reused, so this costs one instantiation per input.
        Each line then also has "instantiate_ms" and "process_ms".

Compiled modules are cached in <cache>/wasmtime/<wasmtime version>, keyed by the module's sha256.
The cache keeps the most recently used entries within a bound (default 2048 MiB): every build of a
module is a new key, so without a bound it grew by 25-90 MB per build. The folder and the bound are
workspace facts (packages/core/src/workspace-facts.ts), read from .wasi-pystack/workspace-facts.json, which
`npm run setup` writes for its environment (WASI_PYSTACK_CACHE, WASI_PYSTACK_WASMTIME_CACHE_MB).

Like CPython's own WASI driver (which runs wasmtime with max-wasm-stack=8 MiB), the guest gets a
large *native* stack for its wasm frames: CPython on WASI allows 5000 levels of C recursion before
RecursionError, far more than wasmtime's default 512 KiB holds. The guest runs on a thread with a
64 MiB native stack and a 16 MiB wasm stack limit.
"""
import argparse
import hashlib
import json
import os
import shutil
import sys
import threading
import time

import wasmtime
from wasmtime import _ffi

MAX_WASM_STACK = 16 << 20
THREAD_STACK = 64 << 20
FACTS_FILE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), ".wasi-pystack", "workspace-facts.json")


def workspace_facts():
    """.wasi-pystack/workspace-facts.json: the cache root and what lives in it, written by `npm run setup`."""
    try:
        with open(FACTS_FILE) as f:
            return json.load(f)
    except FileNotFoundError:
        sys.exit(f"wasi-run.py: {FACTS_FILE} is missing: run `npm run setup` first (it writes the workspace facts)")


def cache_dir():
    from importlib.metadata import version
    return os.path.join(workspace_facts()["wasmtimeCache"]["dir"], version("wasmtime"))


def load_module(engine, path):
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    cached = os.path.join(cache_dir(), digest + ".cwasm")
    if os.path.exists(cached):
        try:
            module = wasmtime.Module.deserialize_file(engine, cached)
            os.utime(cached)  # most recently used: the last to be evicted
            return module
        except Exception:
            os.remove(cached)
    module = wasmtime.Module.from_file(engine, path)
    os.makedirs(os.path.dirname(cached), exist_ok=True)
    tmp = f"{cached}.{os.getpid()}.tmp"
    with open(tmp, "wb") as f:
        f.write(module.serialize())
    os.replace(tmp, cached)
    prune_cache(os.path.dirname(cached), keep=cached)
    return module


def prune_cache(folder, keep, budget_mb=None):
    """Removes the least recently used compiled modules until the folder fits the budget."""
    budget = (budget_mb if budget_mb is not None else workspace_facts()["wasmtimeCache"]["maxMb"]) << 20
    entries = []
    for name in os.listdir(folder):
        if name.endswith(".cwasm"):
            full = os.path.join(folder, name)
            try:
                st = os.stat(full)
            except FileNotFoundError:  # another run pruned it
                continue
            entries.append((st.st_mtime, st.st_size, full))
    total = sum(size for _, size, _ in entries)
    for _, size, full in sorted(entries):
        if total <= budget:
            break
        if full == keep:
            continue
        try:
            os.remove(full)
        except FileNotFoundError:
            pass
        total -= size


def make_engine():
    config = wasmtime.Config()
    # wasmtime refuses a max_wasm_stack above async_stack_size (2 MiB by default), which
    # wasmtime-py has no setter for; the C API's is used directly.
    _ffi.wasmtime_config_async_stack_size_set(config.ptr(), MAX_WASM_STACK + (1 << 20))
    config.max_wasm_stack = MAX_WASM_STACK
    return wasmtime.Engine(config)


def instantiate(module_path, argv, dirs, env, compiled=None):
    engine, module = compiled or (lambda e: (e, load_module(e, module_path)))(make_engine())
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    store = wasmtime.Store(engine)
    wasi = wasmtime.WasiConfig()
    wasi.argv = argv
    wasi.env = [tuple(e.split("=", 1)) for e in env]
    wasi.inherit_stdin()
    wasi.inherit_stdout()
    wasi.inherit_stderr()
    for host, guest in dirs:
        wasi.preopen_dir(host, guest)
    store.set_wasi(wasi)
    return store, linker.instantiate(store, module)


def parse_dir(spec):
    host, sep, guest = spec.partition("::")
    return (host, guest if sep else host)


def run_command(args):
    store, instance = instantiate(args.module, [os.path.basename(args.module), *args.args], [parse_dir(d) for d in args.dir], args.env)
    start = instance.exports(store)["_start"]
    try:
        start(store)
    except wasmtime.ExitTrap as e:
        return e.code
    return 0


def read_tree(folder):
    out = {}
    for dirpath, _, files in os.walk(folder):
        for name in sorted(files):
            full = os.path.join(dirpath, name)
            with open(full, "rb") as f:
                out[os.path.relpath(full, folder)] = f.read().decode("utf-8", "replace")
    return out


def run_wadup(args):
    sandbox = args.wadup
    os.makedirs(sandbox, exist_ok=True)
    engine = make_engine()
    compiled = (engine, load_module(engine, args.module))
    argv = [os.path.basename(args.module)]

    def fresh():
        started = time.perf_counter()
        store, instance = instantiate(args.module, argv, [(sandbox, "/")], args.env, compiled)
        exports = instance.exports(store)
        if "_initialize" in exports:  # as wasmtime's CLI: a reactor may have none
            exports["_initialize"](store)
        return store, exports["process"], (time.perf_counter() - started) * 1000

    store, process, instantiate_ms = fresh()
    for n, item in enumerate(args.args):
        if args.fresh_instance and n > 0:
            store, process, instantiate_ms = fresh()
        for sub in ("metadata", "subcontent"):
            shutil.rmtree(os.path.join(sandbox, sub), ignore_errors=True)
            os.makedirs(os.path.join(sandbox, sub))
        shutil.copyfile(item, os.path.join(sandbox, "data.bin"))
        started = time.perf_counter()
        rc = process(store)
        process_ms = (time.perf_counter() - started) * 1000
        sys.stdout.flush()
        line = {
            "input": item,
            "rc": rc,
            "metadata": read_tree(os.path.join(sandbox, "metadata")),
            "subcontent": sorted(read_tree(os.path.join(sandbox, "subcontent"))),
        }
        if args.fresh_instance:
            line.update(instantiate_ms=round(instantiate_ms, 3), process_ms=round(process_ms, 3))
        print("WADUP " + json.dumps(line, sort_keys=True), flush=True)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", action="append", default=[], help="HOST::GUEST directory to preopen")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the guest")
    parser.add_argument("--wadup", metavar="SANDBOX", help="act as a WADUP-like host; ARGS are the inputs")
    parser.add_argument("--fresh-instance", action="store_true", help="with --wadup: a new instance for every input")
    parser.add_argument("module")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    outcome = {}

    def guest():
        try:
            outcome["code"] = run_wadup(args) if args.wadup else run_command(args)
        except BaseException as e:  # reported on the main thread
            outcome["error"] = e

    threading.stack_size(THREAD_STACK)
    thread = threading.Thread(target=guest, name="wasm-guest")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["code"]


if __name__ == "__main__":
    sys.exit(main())
