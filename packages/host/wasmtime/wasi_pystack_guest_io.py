"""What a guest of wasi_pystack_host holds of the host besides its folders: the pipes its stdout and
stderr go to (PrintedOutput, drained on a thread within a bound) and the host's file descriptors
(open_fds, which the host counts against its limit)."""
import os
import select
import shutil
import tempfile
import threading
import time


class PrintedOutput:
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


def open_fds():
    """The process's open file descriptors, or None where /proc/self/fd does not exist."""
    return len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
