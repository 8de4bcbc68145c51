"""What belongs to a reactor instance rather than to the build, refreshed at its first process().

A reactor restored from a build-time snapshot (linker/src/snapshot.ts) starts with the memory of the build: the
interpreter was started, the entry and its packages imported, with no environment, no arguments
and no directories. The glue (entry_reactor.c) runs this module as `_wasi_pystack_instance` before the
snapshot (check_before_snapshot) and on every fresh instance (refresh). Preopened directories are
found again by wasi-libc on the first path lookup (its list is reset before the snapshot); clocks
are read when asked.
"""
import os
import sys


def check_before_snapshot():
    """A file open at snapshot time would be an fd that no restored instance has."""
    import gc
    gc.collect()
    leaked = []
    for fd in range(3, 1024):
        try:
            os.fstat(fd)
        except OSError:
            continue
        leaked.append(fd)
    if leaked:
        raise RuntimeError(f"files are open at snapshot time (descriptors {leaked}); close them before the entry module finishes importing")


def refresh(environ, argv):
    """environ: the instance's variables (bytes to bytes); argv: its arguments after the module name."""
    # os.environ and os.environb share one dict of bytes, filled at `import os` from what the build saw.
    data = os.environ._data
    data.clear()
    data.update(environ)
    sys.argv[1:] = argv
    reseed()


def reseed():
    """Everything seeded at import would draw the same numbers in every instance of one snapshot."""
    import random
    random.seed()
    numpy_random = sys.modules.get("numpy.random")
    if numpy_random is not None:
        numpy_random.seed()  # the legacy global RandomState behind np.random.random() & co.
