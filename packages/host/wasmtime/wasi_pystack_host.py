"""A small wasmtime host for wasi-pystack modules (CPython + NumPy + pandas in one wasm32-wasip1 module).
(Longer than 250 lines for this docstring: it is the wasmtime host's manual; the code is 200 lines.)

Standard library + the PyPI `wasmtime` package (the embedding API); tested with wasmtime-py
25.0.0, 27.0.2, 38.0.0, 39.0.0, 47.0.1, 50.0.1 and 51.0.0. Six modules in this folder (put it on
sys.path; import everything from this one): this one (WasmtimeHost, process_input),
wasi_pystack_engine (what differs between wasmtime versions, compiling, the compile cache),
wasi_pystack_instance (a kept instance), wasi_pystack_sandbox (the reactor's folder),
wasi_pystack_guest_io (the guest's printing and descriptors) and wasi_pystack_errors.

    host = WasmtimeHost("dist/modules/python.wasm", deadline_ms=2000, max_memory=256 << 20,
                        cache_dir="~/.cache/wasi-pystack/wasmtime")
    code = host.run_command(["-c", "print(1)"], dirs=[("/tmp", "/tmp")], env={"LANG": "C"})
    reactor = WasmtimeHost("hello.wasm", fuel=10**9)
    with Sandbox(max_bytes=256 << 20) as sandbox:            # a private folder, the guest's "/"
        line = process_input(reactor, sandbox, "input.bin")  # the toolchain's reactor protocol
        with reactor.instance(dirs=[(sandbox.path, "/")]) as inst:   # one instance for several inputs
            line = process_input(inst, sandbox, "next.bin")

One engine, the module loaded once; every run has its own store, so a run's limits, memory and
failure stay its own. Each entry into the guest (instantiation + _initialize, _start, a call) gets:
  * deadline_ms: epoch interruption. A timer thread increments the engine's epoch at the deadline;
    the store's deadline is one tick ahead, so the guest traps at its next loop back-edge or
    function entry; inside a blocking host call (time.sleep, a read from stdin) the host waits
    1 s more (STOP_GRACE_SECONDS), then reports the run as stopped and leaves the guest's thread to
    end when the call returns (its store is freed then).
  * fuel: wasmtime's fuel (about one unit per wasm instruction), refilled for each entry.
  * max_memory (bytes): the store's limit; memory.grow fails beyond it, so CPython raises a
    MemoryError inside the guest, which it may catch; nothing is raised outside.
A run that does not return raises a RunError with `reason`: DeadlineExceeded "deadline",
FuelExhausted "fuel", MemoryCapError "memory-cap" (a trap while memory is within 1/8 of the cap),
Trap "trap" (any other trap or wasmtime error; str() is wasmtime's one-line cause, `.details` its
whole text), GuestExit "exit" (proc_exit inside a reactor call; `.code`), SandboxLimitExceeded
"sandbox-limit" and OutputQuotaExceeded "output-quota" (below). A kept instance whose run failed is
closed. One run at a time per host (its stores share the engine's epoch).

Everything the guest leaves in its sandbox is hostile to the host (Sandbox): wasmtime keeps the
guest's own paths inside its folders, but a link the guest made points wherever it likes for the
host. So the host never follows one: a sandbox is emptied (links removed, not followed) and the
input written anew (O_EXCL) before every input; only regular files with one name are read back
from /metadata and /subcontent, within an output quota (a link, hard link, fifo or device is listed
in "refused" with the reason, never followed or read); and while process() runs, a watch thread
measures the sandbox every 50 ms and stops the guest (by the engine's epoch, which is always on for
that) when it holds more than its limits. A process_input instance also has an empty stdin, its
stdout and stderr drained from pipes into this process's stderr within max_printed_bytes per call,
and at most max_open_files (256) open files (each is a host descriptor); past either the watch
stops it too. docs/security.md in the repository is the threat model.

The guest runs on a thread with a 64 MiB native stack and a 16 MiB wasm stack limit (CPython's own
WASI driver also raises max-wasm-stack): CPython on WASI allows thousands of C recursion levels
before RecursionError, far more than wasmtime's default 512 KiB of wasm stack holds.

Compiled modules are cached as <cache_dir>/<wasmtime version>/<sha256>[-epoch][-fuel].cwasm (those
settings change the compiled code); unreadable or incompatible entries are recompiled; the least
recently used entries are removed beyond cache_max_mb. cache_dir=None: no cache.
"""
import hashlib
import os
import sys
import threading
import time

import wasmtime

# The other modules of the host, re-exported here: callers import everything from this one.
from wasi_pystack_engine import (MAX_WASM_STACK, THREAD_STACK, WASMTIME_VERSION, CannotCompile, Stuck,  # noqa: F401
                                 cause, compile_module, configure_exceptions, configure_stack, fuel_left,
                                 on_big_stack, prune_cache, set_fuel, trap_code_name)
from wasi_pystack_errors import (DeadlineExceeded, FuelExhausted, GuestExit, HostFailure, MemoryCapError,  # noqa: F401
                                 OutputQuotaExceeded, RunError, SandboxLimitExceeded, Trap)
from wasi_pystack_instance import DEFAULT_MAX_OPEN_FILES, Instance, memory_size  # noqa: F401
from wasi_pystack_sandbox import (DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_MAX_OUTPUT_FILES, DEFAULT_SANDBOX_MAX_BYTES,  # noqa: F401
                                  DEFAULT_SANDBOX_MAX_ENTRIES, LINK_REFUSED, MAX_SANDBOX_DEPTH, Sandbox, _OutputReader)

DEFAULT_MAX_PRINTED_BYTES = 16 << 20  # what process() may print per input
WATCH_SECONDS = 0.05

def _pairs(env):
    items = env.items() if isinstance(env, dict) else env
    return [tuple(e.split("=", 1)) if isinstance(e, str) else tuple(e) for e in items]


class WasmtimeHost:
    """One engine and one compiled module; runs get fresh stores (see the module's docstring)."""

    def __init__(self, module_path, *, max_memory=None, deadline_ms=None, fuel=None, cache_dir=None, cache_max_mb=2048):
        self.module_path, self.max_memory, self.deadline_ms, self.fuel = module_path, max_memory, deadline_ms, fuel
        config = wasmtime.Config()
        configure_stack(config, MAX_WASM_STACK)
        configure_exceptions(config)
        # Epoch interruption is how a run is stopped from outside: at its deadline, or when its
        # sandbox outgrows its limits. Always on, so a host can do both whatever it was made with.
        config.epoch_interruption = True
        flags = ["epoch"]
        if fuel is not None:
            config.consume_fuel = True
            flags.append("fuel")
        self.engine = wasmtime.Engine(config)
        self._abandoned = []  # (store, thread) of guests left in a blocking call
        started = time.perf_counter()
        self.module, self.cache_hit = self._load(cache_dir, cache_max_mb, "".join("-" + f for f in flags))
        self.load_ms = (time.perf_counter() - started) * 1000

    def _load(self, cache_dir, cache_max_mb, suffix):
        with open(self.module_path, "rb") as f:
            wasm = f.read()
        if cache_dir is None:
            return compile_module(self.engine, wasm, self.module_path), None
        folder = os.path.join(os.path.expanduser(cache_dir), WASMTIME_VERSION)
        cached = os.path.join(folder, hashlib.sha256(wasm).hexdigest() + suffix + ".cwasm")
        if os.path.exists(cached):
            try:
                module = wasmtime.Module.deserialize_file(self.engine, cached)
                os.utime(cached)  # most recently used: the last to be evicted
                return module, True
            except Exception:  # corrupt, or compiled for other settings: recompile
                os.remove(cached)
        module = compile_module(self.engine, wasm, self.module_path)
        os.makedirs(folder, exist_ok=True)
        tmp = f"{cached}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            f.write(module.serialize())
        os.replace(tmp, cached)
        prune_cache(folder, keep=cached, budget_mb=cache_max_mb)
        return module, False

    def _store(self, argv, dirs, env, stdin=True, capture=None):
        """capture: (stdout file, stderr file) the guest prints into instead of the host's."""
        store, wasi = wasmtime.Store(self.engine), wasmtime.WasiConfig()
        wasi.argv, wasi.env = argv, _pairs(env)
        if stdin:  # else an empty stdin
            wasi.inherit_stdin()
        if capture is None:
            wasi.inherit_stdout()
            wasi.inherit_stderr()
        else:
            wasi.stdout_file, wasi.stderr_file = capture
        for host, guest in dirs:
            wasi.preopen_dir(host, guest)
        store.set_wasi(wasi)
        if self.max_memory is not None:
            store.set_limits(memory_size=self.max_memory)
        linker = wasmtime.Linker(self.engine)
        linker.define_wasi()
        return store, linker

    def _enter(self, store, fn, memory=lambda: None, watch=None):
        """Runs fn() (which enters the guest) with the run's fuel and deadline, and, given `watch` (a
        function that returns why the run must stop, or None), asks it every WATCH_SECONDS and
        stops the guest when it answers; classifies failures."""
        self._free_abandoned()
        fired, done, stop, stopped = threading.Event(), threading.Event(), threading.Event(), []
        helpers = []
        if self.fuel is not None:
            set_fuel(store, self.fuel)
        store.set_epoch_deadline(1)
        if self.deadline_ms is not None:
            helpers.append(threading.Timer(self.deadline_ms / 1000, lambda: (fired.set(), stop.set(), self.engine.increment_epoch())))
        if watch is not None:
            def watching():
                while not done.wait(WATCH_SECONDS):
                    why = watch()
                    if why is not None:
                        stopped.append(why)
                        stop.set()
                        self.engine.increment_epoch()
                        return
            helpers.append(threading.Thread(target=watching, name="sandbox-watch"))
        for helper in helpers:
            helper.daemon = True
            helper.start()
        try:
            return on_big_stack(fn, stop=stop)
        except Stuck as stuck:
            self._abandoned.append((store, stuck.args[0]))  # its thread still holds it: closed once that ends
            blocked = "; the guest was inside a blocking call (a sleep), its thread is left to end"
            if stopped:
                raise SandboxLimitExceeded(f"{stopped[0]}: the run was stopped{blocked}") from None
            raise DeadlineExceeded(f"ran longer than {self.deadline_ms} ms{blocked}") from None
        except wasmtime.ExitTrap:
            raise
        except (wasmtime.Trap, wasmtime.WasmtimeError) as e:
            text = e.message if isinstance(e, wasmtime.Trap) else str(e)
            code, why = trap_code_name(e), cause(text)
            if stopped and code in ("INTERRUPT", None):
                raise SandboxLimitExceeded(f"{stopped[0]}: the run was stopped", text) from None
            if code == "INTERRUPT" or (code is None and fired.is_set()):
                raise DeadlineExceeded(f"ran longer than {self.deadline_ms} ms ({why})", text) from None
            if code == "OUT_OF_FUEL" or (code is None and self.fuel is not None and fuel_left(store) == 0):
                raise FuelExhausted(f"used all {self.fuel} fuel ({why})", text) from None
            size = memory()
            if self.max_memory is not None and size is not None and size >= self.max_memory - self.max_memory // 8:
                raise MemoryCapError(f"{why} at {size / 2**20:.1f} MiB of memory, cap {self.max_memory / 2**20:.1f} MiB", text) from None
            raise Trap(why, text) from None
        finally:
            done.set()
            for helper in helpers:
                if isinstance(helper, threading.Timer):
                    helper.cancel()
                helper.join()

    def run_command(self, args, dirs=(), env=()):
        """Runs a command module's _start with argv [module name, *args]; returns its exit code."""
        store, linker = self._store([os.path.basename(self.module_path), *args], dirs, env)
        try:
            instance = self._enter(store, lambda: linker.instantiate(store, self.module))
            self._enter(store, lambda: instance.exports(store)["_start"](store), lambda: memory_size(store, instance))
        except wasmtime.ExitTrap as e:
            return e.code
        finally:
            self.close_store(store)
        return 0

    def close_store(self, store):
        """Frees a run's store, unless a guest thread left in a blocking call still holds it (then
        the next entry into the guest frees it, once that thread has ended)."""
        if not any(store is held for held, _ in self._abandoned):
            store.close()

    def _free_abandoned(self):
        for store, thread in [entry for entry in self._abandoned if not entry[1].is_alive()]:
            self._abandoned.remove((store, thread))
            store.close()

    def instance(self, dirs=(), env=(), argv=None, stdin=True, **options):
        """A kept store + instance (a reactor, after _initialize) for several calls; close it after.
        stdin=False: the guest's stdin is empty instead of the host's (process_input's instances);
        options: Instance's max_open_files, print_to and max_printed_bytes."""
        return Instance(self, dirs, env, argv, stdin, **options)

    def call(self, name, dirs=(), env=(), argv=None):
        """Calls export `name` on a fresh store + instance (after _initialize); returns its result."""
        with self.instance(dirs, env, argv) as inst:
            return inst.call(name)


def process_input(target, sandbox, input_path, env=(), entry="process", print_to=None, max_printed_bytes=DEFAULT_MAX_PRINTED_BYTES,
                  max_output_bytes=DEFAULT_MAX_OUTPUT_BYTES, max_output_files=DEFAULT_MAX_OUTPUT_FILES):
    """Processes one input the toolchain's reactor way and returns
    {"input", "rc", "metadata": {name: text}, "subcontent": {name: bytes}, "refused": [{"path", "reason"}],
    "process_ms"[, "instantiate_ms"]}; the outputs are read within max_output_bytes and max_output_files.

    sandbox (a Sandbox) is the guest's "/": it is emptied, the input is written to /data.bin and
    /metadata and /subcontent are made empty before `entry` is called; while it runs the sandbox and
    the files the guest holds open are held to their limits. target is a kept Instance (made with
    dirs=[(sandbox.path, "/")]) or a WasmtimeHost (then a fresh instance, timed in "instantiate_ms",
    whose stdin is empty and whose stdout and stderr go to print_to, default this process's stderr,
    at most max_printed_bytes per input).
    RunError subclasses propagate (SandboxLimitExceeded, OutputQuotaExceeded, HostFailure included); a kept
    instance whose run failed, or that holds too many open files, is closed."""
    try:
        sandbox.prepare(input_path)
    except OSError as e:
        raise HostFailure(f"the host could not prepare the sandbox: {e}") from None
    line = {"input": input_path}
    if isinstance(target, WasmtimeHost):
        inst = target.instance([(sandbox.path, "/")], env, stdin=False, print_to=print_to or sys.stderr.buffer, max_printed_bytes=max_printed_bytes)
    else:
        inst = target
    try:
        started = time.perf_counter()
        line["rc"] = inst.call(entry, watch=sandbox.violation)
        line["process_ms"] = round((time.perf_counter() - started) * 1000, 3)
    finally:
        if inst is not target:
            line["instantiate_ms"] = round(inst.instantiate_ms, 3)
            inst.close()
    try:
        line.update(sandbox.collect(max_output_bytes, max_output_files))
    except OSError as e:
        raise HostFailure(f"the host could not read the outputs: {e}") from None
    return line
