"""C++ allocations that fail under memory pressure, inside the module (tests/runtime/cxx-exceptions.test.ts).

    python memory_pressure_cases.py fft|rolling

Fills the module's memory (run it under a memory cap) until MemoryError, frees some of it, and runs
work whose C++ code then cannot allocate: NumPy's pocketfft (np.fft.fft; its bad_alloc becomes a
MemoryError with no message) and pandas' rolling min/max (libc++'s deque behind Cython's
`except +`: MemoryError('std::bad_alloc')); rolling median for comparison. Then it checks the
module carries on: 128 MiB allocate, a groupby is right. Prints one line per step.
"""
import gc
import sys

import numpy as np


def squeeze(free_mib):
    """Fills memory in blocks of 64 MiB down to 1 MiB, then frees the last ones: about free_mib MiB, at the top."""
    blocks, size = [], 64 << 20
    while size >= (1 << 20):
        try:
            block = np.empty(size, dtype=np.uint8)
            block[::4096] = 1  # touch every page
            blocks.append(block)
        except MemoryError:
            size //= 2
    freed = 0
    while freed < (free_mib << 20):
        freed += blocks.pop().nbytes
    return blocks


def fft():
    x = np.ones(8_000_000, dtype=complex)  # 128 MB
    blocks = squeeze(256)
    try:
        np.fft.fft(x)
        print("fft: ok")
    except MemoryError as e:
        print(f"fft: MemoryError {str(e)!r}")
    del blocks


def rolling():
    import pandas as pd

    n = 20_000_000
    decreasing = pd.Series(np.arange(n, 0, -1, dtype=float))
    # rolling() first allocates its window bounds and result (3 x 160 MB), then the deque
    for agg, data in (("max", decreasing), ("min", -decreasing), ("median", decreasing)):
        blocks = squeeze(560)
        try:
            getattr(data.rolling(n, min_periods=1), agg)()
            print(f"rolling {agg}: ok")
        except MemoryError as e:
            print(f"rolling {agg}: MemoryError {str(e)!r}")
        del blocks
        gc.collect()


{"fft": fft, "rolling": rolling}[sys.argv[1]]()
gc.collect()
big = np.ones(128 << 20, dtype=np.uint8)
import pandas as pd

df = pd.DataFrame({"k": np.arange(1_000_000) % 7, "v": np.arange(1_000_000, dtype=float)})
print("carries on:", big.nbytes >> 20, "MiB,", df.groupby("k")["v"].sum().astype("int64").tolist())
