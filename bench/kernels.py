"""Times imports and a few NumPy/pandas kernels; prints JSON. Run natively and inside the module.

    python bench/kernels.py [numpy|pandas]
Each figure is the best of several repetitions, in seconds.
"""
import io
import json
import sys
import time


def best(fn, repeat=5, warm=False):
    if warm:
        fn()  # first-call costs (lazy imports, caches) are not the kernel's
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(which):
    out = {}
    t = time.perf_counter()
    import numpy as np
    out["import numpy"] = time.perf_counter() - t
    rng = np.random.default_rng(0)
    a = rng.random(1_000_000)
    m = rng.random((200, 200))
    s = rng.random(1 << 16)
    out["sum 1e6"] = best(lambda: a.sum())
    out["matmul 200x200"] = best(lambda: m @ m)
    out["sort 1e6"] = best(lambda: np.sort(a), 3)
    out["fft 2^16"] = best(lambda: np.fft.fft(s))
    if which == "pandas":
        t = time.perf_counter()
        import pandas as pd
        out["import pandas"] = time.perf_counter() - t
        n = 100_000
        df = pd.DataFrame({"k": rng.integers(0, 1000, n), "v": rng.random(n), "w": rng.random(n)})
        csv = df.to_csv(index=False)
        other = pd.DataFrame({"k": np.arange(1000), "name": [f"n{i}" for i in range(1000)]})
        out["read_csv 100k"] = best(lambda: pd.read_csv(io.StringIO(csv)), 3)
        out["groupby-sum"] = best(lambda: df.groupby("k")["v"].sum())
        out["merge"] = best(lambda: df.merge(other, on="k"), 3)
        out["sort_values"] = best(lambda: df.sort_values("v"), 3)
        out["rolling mean"] = best(lambda: df["v"].rolling(50).mean(), 3)
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "numpy")
