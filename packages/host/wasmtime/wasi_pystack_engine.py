"""The wasmtime engine as wasi_pystack_host uses it, whatever wasmtime-py version is installed:
settings that differ between versions, compiling (and naming the exception-handling feature a
version lacks), trap codes, fuel, the guest's thread with a large native stack, and the cache of
compiled modules."""
import contextlib
import ctypes
import os
import threading
from importlib.metadata import version as _dist_version

import wasmtime
from wasmtime import _ffi

MAX_WASM_STACK = 16 << 20
THREAD_STACK = 64 << 20
STOP_GRACE_SECONDS = 1.0
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


def configure_exceptions(config):
    """WebAssembly exception handling (C++ exceptions of modules linked with exceptions = "exnref"):
    on by default from wasmtime 47; 39-46 have it behind this setting; 38 and older have none."""
    if hasattr(_ffi, "wasmtime_config_wasm_exceptions_set"):
        _ffi.wasmtime_config_wasm_exceptions_set(config.ptr(), True)


def uses_exception_handling(wasm):
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


def compile_module(engine, wasm, path):
    try:
        return wasmtime.Module(engine, wasm)
    except wasmtime.WasmtimeError as e:
        if not uses_exception_handling(wasm):
            raise
        first = str(e).split("Stack backtrace:")[0].strip().splitlines()
        raise CannotCompile(
            f"{path} uses WebAssembly exception handling, and wasmtime {WASMTIME_VERSION} cannot compile it"
            f" ({' '.join(l.strip() for l in first if l.strip())[:300]}). wasmtime 39 and later run the"
            " exnref form (47 and later by default); for an older engine link the module with"
            " exceptions = \"none\"; a module linked with \"legacy\" runs only under V8 (Node)."
        ) from None


def configure_stack(config, size):
    if hasattr(_ffi, "wasmtime_config_async_stack_size_set"):
        _ffi.wasmtime_config_async_stack_size_set(config.ptr(), size + (1 << 20))
    _ffi.wasmtime_config_max_wasm_stack_set(config.ptr(), size)


def fuel_left(store):
    return store.get_fuel() if _NEW_FUEL_API else store.consume_fuel(0)


def set_fuel(store, fuel):
    if _NEW_FUEL_API:
        store.set_fuel(fuel)
    elif fuel > fuel_left(store):
        store.add_fuel(fuel - fuel_left(store))
    else:
        store.consume_fuel(fuel_left(store) - fuel)


def trap_code_name(error):
    raw = _ffi.wasmtime_trap_code_t()
    if not isinstance(error, wasmtime.Trap) or not _ffi.wasmtime_trap_code(error.ptr(), ctypes.byref(raw)):
        return None
    return _TRAP_NAMES.get(raw.value, f"code {raw.value}")


def cause(text):
    """wasmtime's one-line cause ("wasm trap: interrupt") out of its text with the wasm backtrace."""
    lines = [line.strip() for line in text.split("Stack backtrace:")[0].splitlines() if line.strip()]
    if "Caused by:" in lines:
        return "; ".join(lines[lines.index("Caused by:") + 1:])
    return lines[0] if lines else "unknown error"


class Stuck(Exception):
    """The guest was stopped but its thread did not come back within STOP_GRACE_SECONDS."""


def on_big_stack(fn, *args, stop=None):
    """Calls fn(*args) on a thread with a THREAD_STACK native stack; returns or raises what it did.
    With `stop` (an Event): once it is set, waits STOP_GRACE_SECONDS more for the thread, then raises
    Stuck and leaves the thread behind. The epoch stops a guest at its next wasm instruction, but
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
                raise Stuck(thread)
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
