"""One store + instance of a WasmtimeHost's module (wasi_pystack_host), kept for several calls:
its limits on open files and on what it prints are held here."""
import os
import time

import wasmtime

from wasi_pystack_errors import GuestExit, SandboxLimitExceeded
from wasi_pystack_guest_io import PrintedOutput, open_fds

DEFAULT_MAX_OPEN_FILES = 256  # files a guest may hold open: wasmtime gives it a host descriptor for each


def either(*checks):
    """A watch that asks each check (None skipped) and answers the first reason to stop."""
    checks = [c for c in checks if c is not None]
    return lambda: next((why for why in (c() for c in checks) if why is not None), None)


def memory_size(store, instance):
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
        self.max_open_files, self._fds_before = max_open_files, open_fds()
        self._printed = PrintedOutput(print_to, max_printed_bytes) if print_to is not None else None
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
        watch: see WasmtimeHost._enter (process_input passes its sandbox's limit check); the
        instance's own limits (printing, open files) are checked beside it and after the call."""
        if self.store is None:
            raise RuntimeError("the instance is closed (a run failed or close() was called)")
        func = self.exports[name]
        if self._printed is not None:
            self._printed.start_call()
        try:
            result = self.host._enter(self.store, lambda: func(self.store, *args), lambda: memory_size(self.store, self._instance), either(watch, self.limits_violation))
            over = self.limits_violation()  # reached in a burst the watch did not see: the instance goes
            if over is not None:
                raise SandboxLimitExceeded(over)
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

    def limits_violation(self):
        """Why the guest is past the instance's own limits (printing, open files), or None."""
        return (self._printed.violation() if self._printed is not None else None) or self.open_files_violation()

    def open_files_violation(self):
        """Why the guest holds too many open files (each is a host descriptor), or None. Counts the
        process's descriptors against those it had before the instance (Linux's /proc only)."""
        if self._fds_before is None:
            return None
        try:
            held = open_fds() - self._fds_before
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
