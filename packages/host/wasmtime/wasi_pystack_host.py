"""A small wasmtime host for wasi-pystack modules (CPython + NumPy + pandas in one wasm32-wasip1 module).

Standard library + the PyPI `wasmtime` package (the embedding API); tested with wasmtime-py
25.0.0, 27.0.2, 38.0.0, 50.0.1 and 51.0.0.

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
in "refused" with the reason, never followed or read); and
while process() runs, a watch thread measures the sandbox every 50 ms and stops the guest (by the
engine's epoch, which is always on for that) when it holds more than its limits.
A process_input instance also has an empty stdin, its stdout and stderr drained from pipes into
this process's stderr within max_printed_bytes per call, and at most max_open_files (256) open
files (each is a host descriptor); past either the watch stops it too.

The guest runs on a thread with a 64 MiB native stack and a 16 MiB wasm stack limit (CPython's own
WASI driver also raises max-wasm-stack): CPython on WASI allows thousands of C recursion levels
before RecursionError, far more than wasmtime's default 512 KiB of wasm stack holds.

Compiled modules are cached as <cache_dir>/<wasmtime version>/<sha256>[-epoch][-fuel].cwasm (those
settings change the compiled code); unreadable or incompatible entries are recompiled; the least
recently used entries are removed beyond cache_max_mb. cache_dir=None: no cache.
"""
import contextlib
import ctypes
import errno
import hashlib
import os
import select
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
from importlib.metadata import version as _dist_version

import wasmtime
from wasmtime import _ffi

MAX_WASM_STACK = 16 << 20
DEFAULT_MAX_PRINTED_BYTES = 16 << 20  # what process() may print per input
DEFAULT_MAX_OPEN_FILES = 256  # files a guest may hold open: wasmtime gives it a host descriptor for each
WATCH_SECONDS = 0.05
STOP_GRACE_SECONDS = 1.0
THREAD_STACK = 64 << 20
WASMTIME_VERSION = _dist_version("wasmtime")

# ---- What differs between wasmtime-py versions (feature checks, all here) ------------------------
# * max_wasm_stack: Config.max_wasm_stack is a property only in 50/51; in 25-38 assigning it just
#   made a plain Python attribute (the 512 KiB default stayed, and deep recursion trapped with "call
#   stack exhausted"). The C API setter, present in all, is used.
# * async_stack_size (2 MiB by default) has no Python setter. 50/51 refuse a larger max_wasm_stack
#   even without async support: 50 panics (abort) in Engine() "max_wasm_stack size cannot exceed
#   the async_stack_size", 51 gets NULL from wasm_engine_new_with_config and segfaults freeing it;
#   25-38 do not check. The C API setter is used where it exists.
# * Fuel: Store.set_fuel/get_fuel in all tested versions; older wasmtime-py had add_fuel/consume_fuel.
# * Trap codes: TrapCode (Python) lacks codes the C library returns (25-38 stop at INTERRUPT, so
#   Trap.trap_code raises ValueError on fuel), and the C codes moved: OUT_OF_FUEL is 11 in
#   25/27/50/51 but 12 in 38 (after ALWAYS_TRAP_ADAPTER). _ffi.wasmtime_trap_code_enum names them in
#   order, with values off by one in 27/38; so the raw code is read and named by its position there
#   (25 has no such list: INTERRUPT 10, OUT_OF_FUEL 11, as observed). For an unknown code, the run's
#   own facts decide (the deadline timer fired; no fuel left).
# * Trap texts: with RUST_BACKTRACE set, 38 appends a native "Stack backtrace:"; cut off for str().
# * WasiConfig.preopen_dir's extra parameters differ (25: none; 27-38: dir_perms, file_perms;
#   50/51: fs_mutable); only (host, guest) is passed. argv/env/inherit_* are the same everywhere.
_TRAP_NAMES = (dict(enumerate(m.name.replace("WASMTIME_TRAP_CODE_", "") for m in _ffi.wasmtime_trap_code_enum))
               if hasattr(_ffi, "wasmtime_trap_code_enum") else {10: "INTERRUPT", 11: "OUT_OF_FUEL"})
_NEW_FUEL_API = hasattr(wasmtime.Store, "set_fuel")


def _configure_exceptions(config):
    """WebAssembly exception handling (C++ exceptions of modules linked with exceptions = "exnref"):
    on by default from wasmtime 47; 39-46 have it behind this setting; 38 and older have none."""
    if hasattr(_ffi, "wasmtime_config_wasm_exceptions_set"):
        _ffi.wasmtime_config_wasm_exceptions_set(config.ptr(), True)


def _uses_exception_handling(wasm):
    """Whether a module has a tag section (id 13): C++ exceptions in WebAssembly."""
    pos = 8
    while pos < len(wasm):
        section_id, pos = wasm[pos], pos + 1
        size = shift = 0
        while True:
            byte, pos = wasm[pos], pos + 1
            size |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        if section_id == 13:
            return True
        pos += size
    return False


class CannotCompile(Exception):
    """This wasmtime cannot compile the module (it uses a feature this version lacks); the message says which."""


def _compile(engine, wasm, path):
    try:
        return wasmtime.Module(engine, wasm)
    except wasmtime.WasmtimeError as e:
        if not _uses_exception_handling(wasm):
            raise
        first = str(e).split("Stack backtrace:")[0].strip().splitlines()
        raise CannotCompile(
            f"{path} uses WebAssembly exception handling, and wasmtime {WASMTIME_VERSION} cannot compile it"
            f" ({' '.join(l.strip() for l in first if l.strip())[:300]}). wasmtime 39 and later run the"
            " exnref form (47 and later by default); for an older engine link the module with"
            " exceptions = \"none\"; a module linked with \"legacy\" runs only under V8 (Node)."
        ) from None


def _configure_stack(config, size):
    if hasattr(_ffi, "wasmtime_config_async_stack_size_set"):
        _ffi.wasmtime_config_async_stack_size_set(config.ptr(), size + (1 << 20))
    _ffi.wasmtime_config_max_wasm_stack_set(config.ptr(), size)


def _fuel_left(store):
    return store.get_fuel() if _NEW_FUEL_API else store.consume_fuel(0)


def _set_fuel(store, fuel):
    if _NEW_FUEL_API:
        store.set_fuel(fuel)
    elif fuel > _fuel_left(store):
        store.add_fuel(fuel - _fuel_left(store))
    else:
        store.consume_fuel(_fuel_left(store) - fuel)


def _trap_code_name(error):
    raw = _ffi.wasmtime_trap_code_t()
    if not isinstance(error, wasmtime.Trap) or not _ffi.wasmtime_trap_code(error.ptr(), ctypes.byref(raw)):
        return None
    return _TRAP_NAMES.get(raw.value, f"code {raw.value}")


# ---- How a run ends ------------------------------------------------------------------------------
class RunError(Exception):
    """A run that did not return; `reason` says how, str(e) says what, `details` is wasmtime's text."""
    reason = "trap"

    def __init__(self, message, details=""):
        super().__init__(message)
        self.details = details

    def as_dict(self):
        return {"reason": self.reason, "message": str(self)}


class DeadlineExceeded(RunError):
    reason = "deadline"


class FuelExhausted(RunError):
    reason = "fuel"


class MemoryCapError(RunError):
    reason = "memory-cap"


class Trap(RunError):
    reason = "trap"


class SandboxLimitExceeded(RunError):
    reason = "sandbox-limit"


class OutputQuotaExceeded(RunError):
    reason = "output-quota"


class HostFailure(RunError):
    """The host itself failed around a run (preparing the sandbox, reading the outputs)."""
    reason = "host"


class GuestExit(RunError):
    reason = "exit"

    def __init__(self, code):
        super().__init__(f"the guest exited with code {code} inside a call")
        self.code = code


def _cause(text):
    """wasmtime's one-line cause ("wasm trap: interrupt") out of its text with the wasm backtrace."""
    lines = [line.strip() for line in text.split("Stack backtrace:")[0].splitlines() if line.strip()]
    if "Caused by:" in lines:
        return "; ".join(lines[lines.index("Caused by:") + 1:])
    return lines[0] if lines else "unknown error"


class _Stuck(Exception):
    """The guest was stopped but its thread did not come back within STOP_GRACE_SECONDS."""


def on_big_stack(fn, *args, stop=None):
    """Calls fn(*args) on a thread with a THREAD_STACK native stack; returns or raises what it did.
    With `stop` (an Event): once it is set, waits STOP_GRACE_SECONDS more for the thread, then raises
    _Stuck and leaves the thread behind. The epoch stops a guest at its next wasm instruction, but
    not inside a blocking WASI call (time.sleep sleeps in poll_oneoff); when that call returns, the
    epoch traps it at once, so the thread ends without running guest code again."""
    outcome = {}

    def body():
        try:
            outcome["value"] = fn(*args)
        except BaseException as e:  # re-raised on the calling thread
            outcome["error"] = e

    previous = threading.stack_size(THREAD_STACK)
    try:
        thread = threading.Thread(target=body, name="wasm-guest", daemon=True)
        thread.start()
    finally:
        threading.stack_size(previous)
    if stop is None:
        thread.join()
    while thread.is_alive():
        thread.join(0.05)
        if thread.is_alive() and stop.is_set():
            thread.join(STOP_GRACE_SECONDS)
            if thread.is_alive():
                raise _Stuck(thread)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def prune_cache(folder, keep, budget_mb):
    """Removes the least recently used compiled modules (*.cwasm) until the folder fits budget_mb."""
    entries = []
    for name in os.listdir(folder):
        full = os.path.join(folder, name)
        with contextlib.suppress(FileNotFoundError):  # another run may have pruned it
            if name.endswith(".cwasm"):
                st = os.stat(full)
                entries.append((st.st_mtime, st.st_size, full))
    total = sum(size for _, size, _ in entries)
    for _, size, full in sorted(entries):
        if total <= budget_mb << 20:
            break
        if full != keep:
            with contextlib.suppress(FileNotFoundError):
                os.remove(full)
            total -= size


def _pairs(env):
    items = env.items() if isinstance(env, dict) else env
    return [tuple(e.split("=", 1)) if isinstance(e, str) else tuple(e) for e in items]


class WasmtimeHost:
    """One engine and one compiled module; runs get fresh stores (see the module's docstring)."""

    def __init__(self, module_path, *, max_memory=None, deadline_ms=None, fuel=None, cache_dir=None, cache_max_mb=2048):
        self.module_path, self.max_memory, self.deadline_ms, self.fuel = module_path, max_memory, deadline_ms, fuel
        config = wasmtime.Config()
        _configure_stack(config, MAX_WASM_STACK)
        _configure_exceptions(config)
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
            return _compile(self.engine, wasm, self.module_path), None
        folder = os.path.join(os.path.expanduser(cache_dir), WASMTIME_VERSION)
        cached = os.path.join(folder, hashlib.sha256(wasm).hexdigest() + suffix + ".cwasm")
        if os.path.exists(cached):
            try:
                module = wasmtime.Module.deserialize_file(self.engine, cached)
                os.utime(cached)  # most recently used: the last to be evicted
                return module, True
            except Exception:  # corrupt, or compiled for other settings: recompile
                os.remove(cached)
        module = _compile(self.engine, wasm, self.module_path)
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
            _set_fuel(store, self.fuel)
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
        except _Stuck as stuck:
            self._abandoned.append((store, stuck.args[0]))  # its thread still holds it: closed once that ends
            blocked = "; the guest was inside a blocking call (a sleep), its thread is left to end"
            if stopped:
                raise SandboxLimitExceeded(f"{stopped[0]}: the run was stopped{blocked}") from None
            raise DeadlineExceeded(f"ran longer than {self.deadline_ms} ms{blocked}") from None
        except wasmtime.ExitTrap:
            raise
        except (wasmtime.Trap, wasmtime.WasmtimeError) as e:
            text = e.message if isinstance(e, wasmtime.Trap) else str(e)
            code, cause = _trap_code_name(e), _cause(text)
            if stopped and code in ("INTERRUPT", None):
                raise SandboxLimitExceeded(f"{stopped[0]}: the run was stopped", text) from None
            if code == "INTERRUPT" or (code is None and fired.is_set()):
                raise DeadlineExceeded(f"ran longer than {self.deadline_ms} ms ({cause})", text) from None
            if code == "OUT_OF_FUEL" or (code is None and self.fuel is not None and _fuel_left(store) == 0):
                raise FuelExhausted(f"used all {self.fuel} fuel ({cause})", text) from None
            size = memory()
            if self.max_memory is not None and size is not None and size >= self.max_memory - self.max_memory // 8:
                raise MemoryCapError(f"{cause} at {size / 2**20:.1f} MiB of memory, cap {self.max_memory / 2**20:.1f} MiB", text) from None
            raise Trap(cause, text) from None
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
            self._enter(store, lambda: instance.exports(store)["_start"](store), lambda: _memory_size(store, instance))
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


def _either(*checks):
    """A watch that asks each check (None skipped) and answers the first reason to stop."""
    checks = [c for c in checks if c is not None]
    return lambda: next((why for why in (c() for c in checks) if why is not None), None)


class _Printed:
    """The guest's stdout and stderr as pipes (fifos in a private folder) that a thread of the host
    drains: what the guest prints goes to `to`, at most `limit` bytes per call (the rest is
    dropped), and the count lets the watch stop a call that prints more. Nothing touches the disk."""

    def __init__(self, to, limit):
        self.to, self.limit = to, limit
        self.folder = tempfile.mkdtemp(prefix="wasi-pystack-printed-")
        self.files = (os.path.join(self.folder, "stdout"), os.path.join(self.folder, "stderr"))
        for path in self.files:
            os.mkfifo(path, 0o600)
        # Readers first, so that wasmtime's opening of the writing ends does not wait.
        self._fds = [os.open(path, os.O_RDONLY | os.O_NONBLOCK) for path in self.files]
        self._lock = threading.Lock()
        self._printed = 0
        self._closing = threading.Event()
        self._thread = None

    def start(self):
        """Starts draining, once the guest's ends are open (after the store is made)."""
        self._thread = threading.Thread(target=self._drain, name="guest-printed", daemon=True)
        self._thread.start()

    def _drain(self):
        open_fds = list(self._fds)
        while open_fds and not self._closing.is_set():
            ready, _, _ = select.select(open_fds, [], [], 0.05)
            for fd in ready:
                try:
                    data = os.read(fd, 1 << 16)
                except BlockingIOError:
                    continue
                if not data:  # the store closed its end
                    open_fds.remove(fd)
                    continue
                with self._lock:
                    room = max(0, self.limit - self._printed) if self.limit is not None else len(data)
                    self._printed += len(data)
                if room:
                    self.to.write(data[:room])
                    self.to.flush()

    def start_call(self):
        with self._lock:
            self._printed = 0

    def violation(self):
        if self.limit is not None and self._printed > self.limit:
            return f"the guest printed more than {self.limit} bytes (limit max_printed_bytes)"
        return None

    def settle(self):
        """Lets the thread forward what the guest printed just before its call returned."""
        deadline = time.monotonic() + 0.2
        while time.monotonic() < deadline and select.select(self._fds, [], [], 0)[0]:
            time.sleep(0.005)

    def close(self):
        self._closing.set()
        if self._thread is not None:
            self._thread.join()
        for fd in self._fds:
            os.close(fd)
        shutil.rmtree(self.folder, ignore_errors=True)


def _open_fds():
    """The process's open file descriptors, or None where /proc/self/fd does not exist."""
    return len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None


def _memory_size(store, instance):
    memory = instance.exports(store).get("memory")
    return memory.data_len(store) if isinstance(memory, wasmtime.Memory) else None


class Instance:
    """One store + instance of a WasmtimeHost's module; `call` may be used many times."""

    def __init__(self, host, dirs=(), env=(), argv=None, stdin=True, max_open_files=DEFAULT_MAX_OPEN_FILES, print_to=None, max_printed_bytes=None):
        """print_to: a binary stream the guest's stdout and stderr go to, through pipes of the host
        (so that what it prints is counted: past max_printed_bytes in one call the call is stopped),
        instead of the host's own stdout and stderr. max_open_files: see open_files_violation."""
        self.host = host
        self.store = None
        self.max_open_files, self._fds_before = max_open_files, _open_fds()
        self._printed = _Printed(print_to, max_printed_bytes) if print_to is not None else None
        capture = self._printed.files if self._printed else None
        try:
            self.store, linker = host._store(argv or [os.path.basename(host.module_path)], dirs, env, stdin, capture)
        except BaseException:
            self.close()
            raise
        if self._printed is not None:
            self._printed.start()
        started = time.perf_counter()
        try:
            self._instance = host._enter(self.store, lambda: linker.instantiate(self.store, host.module))
            self.exports = self._instance.exports(self.store)
            if "_initialize" in self.exports:  # as wasmtime's CLI: a reactor may have none
                self.call("_initialize")
        except BaseException:
            self.close()
            raise
        self.instantiate_ms = (time.perf_counter() - started) * 1000

    def call(self, name, *args, watch=None):
        """Calls export `name`; returns its result (0 for none). On failure the instance is closed.
        watch: see WasmtimeHost._enter (process_input passes its sandbox's limit check)."""
        if self.store is None:
            raise RuntimeError("the instance is closed (a run failed or close() was called)")
        func = self.exports[name]
        if self._printed is not None:
            self._printed.start_call()
            watch = _either(watch, self._printed.violation)
        try:
            result = self.host._enter(self.store, lambda: func(self.store, *args), lambda: _memory_size(self.store, self._instance), watch)
            if self._printed is not None and self._printed.violation() is not None:
                raise SandboxLimitExceeded(self._printed.violation())
        except wasmtime.ExitTrap as e:
            self._forward_printed()
            self.close()
            raise GuestExit(e.code) from None
        except BaseException:
            self._forward_printed()
            self.close()
            raise
        self._forward_printed()
        return 0 if result is None else result

    def _forward_printed(self):
        if self._printed is not None:
            self._printed.settle()

    def open_files_violation(self):
        """Why the guest holds too many open files (each is a host descriptor), or None. Counts the
        process's descriptors against those it had before the instance (Linux's /proc only)."""
        if self._fds_before is None:
            return None
        try:
            held = _open_fds() - self._fds_before
        except OSError:  # not even one descriptor left to count with
            return "the host has no file descriptors left: the guest holds them (limit max_open_files)"
        if held > self.max_open_files:
            return f"the guest holds more than {self.max_open_files} open files (limit max_open_files)"
        return None

    def close(self):
        if self.store is not None:
            self.host.close_store(self.store)
            self.store = None
        if self._printed is not None:
            self._printed.close()
            self._printed = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ---- The sandbox: a reactor's "/" (the toolchain's reactor protocol) -------------------------------
DEFAULT_SANDBOX_MAX_BYTES = 1 << 30
DEFAULT_SANDBOX_MAX_ENTRIES = 10_000
DEFAULT_MAX_OUTPUT_BYTES = 64 << 20  # the output quota: what the host reads back per input
DEFAULT_MAX_OUTPUT_FILES = 1_000
MAX_SANDBOX_DEPTH = 64  # deeper folders are a flood too: their paths outgrow what file calls take
TOO_LONG = "the sandbox has a path longer than the host can name"  # it would hide what is below it
OUTPUT_FOLDERS = ("metadata", "subcontent")
_OPEN_NO_FOLLOW = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
_CREATE_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)


def _mib(size):
    return f"{size / 2**20:.1f}".rstrip("0").rstrip(".") + " MiB"


def _kind(mode):
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a fifo"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _remove_tree(path):
    """rm -r without following links (shutil.rmtree works from file descriptors where it can);
    rm(1) finishes what it cannot (a tree nested deeper than its recursion)."""
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)
    except FileNotFoundError:
        pass
    except (OSError, RecursionError):
        subprocess.run(["rm", "-rf", "--", path], check=True)


class Sandbox:
    """A private folder (mode 0700, under `root` or the temp folder) that is a reactor's "/": the
    host writes /data.bin, the guest writes /metadata and /subcontent. Use as a context manager
    (or call remove()). max_bytes and max_entries bound what it may hold, the input included."""

    def __init__(self, root=None, max_bytes=DEFAULT_SANDBOX_MAX_BYTES, max_entries=DEFAULT_SANDBOX_MAX_ENTRIES):
        if root is not None:
            os.makedirs(root, exist_ok=True)
        self.path = tempfile.mkdtemp(prefix="wasi-pystack-sandbox-", dir=root)
        self.max_bytes, self.max_entries = max_bytes, max_entries

    def prepare(self, input_path):
        """Removes everything a previous run left (links removed, never followed), then writes the
        input as /data.bin and makes empty /metadata and /subcontent, each new."""
        for name in os.listdir(self.path):
            _remove_tree(os.path.join(self.path, name))
        with open(input_path, "rb") as src, os.fdopen(os.open(os.path.join(self.path, "data.bin"), _CREATE_NEW, 0o600), "wb") as dst:
            shutil.copyfileobj(src, dst)
        for sub in OUTPUT_FOLDERS:
            os.mkdir(os.path.join(self.path, sub))

    def violation(self):
        """What breaks the limits now (bytes, entries, depth), or None; stops at the first excess."""
        size = entries = 0
        pending = [(self.path, 0)]
        while pending:
            folder, depth = pending.pop()
            try:
                listing = list(os.scandir(folder))
            except OSError as e:  # else removed while we looked (the guest is running)
                if e.errno == errno.ENAMETOOLONG:
                    return TOO_LONG
                continue
            for entry in listing:
                entries += 1
                if entries > self.max_entries:
                    return f"the sandbox holds more than {self.max_entries} files and folders (limit sandbox_max_entries)"
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError as e:
                    if e.errno == errno.ENAMETOOLONG:
                        return TOO_LONG
                    continue
                size += max(st.st_size, getattr(st, "st_blocks", 0) * 512)
                if size > self.max_bytes:
                    return f"the sandbox holds more than {_mib(self.max_bytes)} (limit sandbox_max_bytes)"
                if stat.S_ISDIR(st.st_mode):
                    if depth + 1 >= MAX_SANDBOX_DEPTH:
                        return f"the sandbox has folders nested more than {MAX_SANDBOX_DEPTH} deep"
                    pending.append((entry.path, depth + 1))
        return None

    def collect(self, max_output_bytes=DEFAULT_MAX_OUTPUT_BYTES, max_output_files=DEFAULT_MAX_OUTPUT_FILES):
        """{"metadata": {name: text}, "subcontent": {name: bytes}, "refused": [{"path", "reason"}]}.
        What is not a regular file with one name or a folder is refused (listed, never followed or
        read). Raises SandboxLimitExceeded when over the limits, OutputQuotaExceeded past the output
        quota (having read at most the quota)."""
        over = self.violation()
        if over is not None:
            raise SandboxLimitExceeded(over)
        reader = _OutputReader(self.path, max_output_bytes, max_output_files)
        metadata, subcontent = (reader.read_folder(sub) for sub in OUTPUT_FOLDERS)
        return {"metadata": {name: data.decode("utf-8", "replace") for name, data in metadata.items()},
                "subcontent": subcontent, "refused": reader.refused}

    def remove(self):
        _remove_tree(self.path)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()



LINK_REFUSED = "a symbolic link: not followed (it could point at a host file)"


def _refusal(st):
    if stat.S_ISLNK(st.st_mode):
        return LINK_REFUSED
    if stat.S_ISREG(st.st_mode):
        return f"a file with {st.st_nlink} names (hard links): not read (another name could be outside the outputs)"
    return f"{_kind(st.st_mode)}: only regular files are read"


class _OutputReader:
    """Reads the output folders of one sandbox, counting against one quota."""

    def __init__(self, root, max_bytes, max_files):
        self.root, self.max_bytes, self.max_files = root, max_bytes, max_files
        self.refused, self.files, self.bytes = [], 0, 0

    def read_folder(self, folder):
        out = {}
        top = os.path.join(self.root, folder)

        def walk(relative, depth):
            full = os.path.join(top, relative) if relative else top
            path = f"/{folder}/{relative}" if relative else f"/{folder}"
            try:
                st = os.lstat(full)
            except FileNotFoundError:
                return  # the guest removed it: no outputs there
            if stat.S_ISDIR(st.st_mode):
                if depth >= MAX_SANDBOX_DEPTH:
                    self.refused.append({"path": path, "reason": f"a folder nested more than {MAX_SANDBOX_DEPTH} deep: not read"})
                    return
                for name in sorted(os.listdir(full)):
                    walk(f"{relative}/{name}" if relative else name, depth + 1)
                return
            if not relative:
                self.refused.append({"path": path, "reason": f"{_kind(st.st_mode)} where the host made a folder: not read"})
                return
            data = self.read_file(full, path, st)
            if data is not None:
                out[relative] = data

        walk("", 0)
        return out

    def read_file(self, full, path, seen):
        """A regular file with one name, opened without following a link (a link swapped in after
        the lstat is refused by the open itself) and checked again on the open descriptor."""
        if not stat.S_ISREG(seen.st_mode):
            self.refused.append({"path": path, "reason": _refusal(seen)})
            return None
        try:
            fd = os.open(full, _OPEN_NO_FOLLOW)
        except OSError as e:
            if e.errno == errno.ELOOP:
                self.refused.append({"path": path, "reason": LINK_REFUSED})
                return None
            raise
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_nlink > 1:
                self.refused.append({"path": path, "reason": _refusal(st)})
                return None
            self.files += 1
            if self.files > self.max_files:
                raise OutputQuotaExceeded(f"the outputs hold more than {self.max_files} files (output quota max_output_files)")
            if self.bytes + st.st_size > self.max_bytes:
                raise OutputQuotaExceeded(f"the outputs hold more than {_mib(self.max_bytes)} (output quota max_output_bytes)")
            data = f.read(st.st_size)
            self.bytes += len(data)
            return data


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
        line["rc"] = inst.call(entry, watch=lambda: sandbox.violation() or inst.open_files_violation())
        line["process_ms"] = round((time.perf_counter() - started) * 1000, 3)
        too_many = inst.open_files_violation()
        if too_many is not None:  # opened in a burst the watch did not see: the instance goes
            inst.close()
            raise SandboxLimitExceeded(too_many)
    finally:
        if inst is not target:
            line["instantiate_ms"] = round(inst.instantiate_ms, 3)
            inst.close()
    try:
        line.update(sandbox.collect(max_output_bytes, max_output_files))
    except OSError as e:
        raise HostFailure(f"the host could not read the outputs: {e}") from None
    return line
