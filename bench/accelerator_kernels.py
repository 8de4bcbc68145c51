"""Times the pandas kernels numexpr and bottleneck touch, with the accelerators on and off; prints JSON.

    python bench/accelerator_kernels.py
Runs natively and inside a module with numexpr and bottleneck (test-projects/pandas-accelerated).
"on" is pandas' default with both installed; "off" sets compute.use_numexpr and compute.use_bottleneck
to False (eval/query then use engine="python"). Each figure is the best of several runs, in seconds.
"""
import json
import time


def best(fn, repeat=5):
    fn()  # first-call costs (lazy imports, caches) are not the kernel's
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main():
    import bottleneck as bn
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    n = 1_000_000
    df = pd.DataFrame({"a": rng.random(n), "b": rng.random(n), "c": rng.random(n)})
    s = pd.Series(rng.normal(size=n))
    s[::9] = np.nan
    out = {}
    for mode in ("on", "off"):
        pd.set_option("compute.use_numexpr", mode == "on")
        pd.set_option("compute.use_bottleneck", mode == "on")
        engine = "numexpr" if mode == "on" else "python"
        out[f"eval 1e6x3 ({mode})"] = best(lambda: df.eval("a * 2.5 + b - c", engine=engine))
        out[f"query 1e6x3 ({mode})"] = best(lambda: df.query("a > 0.5 and b < 0.3", engine=engine))
        out[f"frame arithmetic 3e6 ({mode})"] = best(lambda: df * 2.5 + df)
        out[f"Series.std 1e6 NaN ({mode})"] = best(lambda: s.std())
        out[f"Series.var 1e6 NaN ({mode})"] = best(lambda: s.var())
        out[f"Series.median 1e6 NaN ({mode})"] = best(lambda: s.median())
        out[f"Series.mean 1e6 NaN ({mode})"] = best(lambda: s.mean())
        out[f"rolling(50).mean 1e6 ({mode})"] = best(lambda: s.rolling(50).mean(), 3)
    values = s.to_numpy()
    out["bottleneck.move_mean 50 1e6"] = best(lambda: bn.move_mean(values, 50), 3)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
