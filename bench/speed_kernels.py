"""The speed bench's kernels (issue 9): pandas work, NumPy elementwise and reductions, matmul.

    python bench/speed_kernels.py GROUP [--repeat N]
GROUP: pandas | elementwise | reductions | matmul | linalg | all. Prints one JSON object {kernel: seconds},
each the best of several repetitions, measured in process after the imports (start-up excluded).
The same file runs natively and inside the module, so both sides do exactly the same work.
"""
import io
import json
import sys

from kernels import best  # the same timing as bench/kernels.py (same folder, on sys.path)


def pandas_kernels(np, rng):
    import pandas as pd

    n = 200_000
    keys = rng.integers(0, 2_000, n)
    df = pd.DataFrame({
        "k": keys,
        "k2": rng.integers(0, 20, n),
        "cat": pd.Categorical.from_codes(rng.integers(0, 5, n), ["a", "b", "c", "d", "e"]),
        "v": rng.random(n),
        "w": rng.normal(size=n),
        "s": [f"item-{i % 997:04d}-X" for i in range(n)],
    })
    stamps = pd.Series(pd.date_range("2021-01-01", periods=n, freq="37s"))
    stamp_text = stamps.dt.strftime("%Y-%m-%d %H:%M:%S")
    ts = pd.Series(rng.random(n), index=stamps)
    other = pd.DataFrame({"k": np.arange(2_000), "name": [f"n{i}" for i in range(2_000)], "weight": rng.random(2_000)})
    csv = df[["k", "k2", "v", "w", "s"]].to_csv(index=False)
    small = df.head(20_000)
    return {
        "groupby agg (4 aggs)": lambda: df.groupby("k").agg(v_sum=("v", "sum"), v_mean=("v", "mean"), w_std=("w", "std"), n=("v", "size")),
        "pivot_table": lambda: df.pivot_table(index="k2", columns="cat", values="v", aggfunc="mean", observed=True),
        "merge": lambda: df.merge(other, on="k", how="left"),
        "str methods": lambda: df["s"].str.upper().str.replace("-", "_", regex=False).str.len(),
        "to_datetime parse": lambda: pd.to_datetime(stamp_text, format="%Y-%m-%d %H:%M:%S"),
        "resample mean": lambda: ts.resample("1h").mean(),
        "rolling std": lambda: df["v"].rolling(100).std(),
        "read_csv": lambda: pd.read_csv(io.StringIO(csv)),
        "to_json": lambda: small.to_json(orient="records"),
        "apply (rows)": lambda: small[["v", "w"]].apply(lambda r: r["v"] * 2 + r["w"], axis=1),
        "multi-key sort": lambda: df.sort_values(["k2", "cat", "v"]),
        "quantile": lambda: df.groupby("k2")["v"].quantile([0.1, 0.5, 0.9]),
        "describe": lambda: df[["v", "w"]].describe(),
        "value_counts": lambda: df["s"].value_counts(),
        "isin + boolean mask": lambda: df[df["k"].isin(range(0, 2_000, 3)) & (df["v"] > 0.5)],
    }


def elementwise_kernels(np, rng):
    x = rng.random(300_000) + 0.5
    y = rng.random(300_000)
    i = rng.integers(-1000, 1000, 300_000)
    return {
        "sqrt 300k": lambda: np.sqrt(x),
        "abs 300k": lambda: np.abs(y - 0.5),
        "exp 300k": lambda: np.exp(x),
        "log 300k": lambda: np.log(x),
        "add 300k": lambda: x + y,
        "multiply 300k": lambda: x * y,
        "where 300k": lambda: np.where(y > 0.5, x, y),
        "int abs 300k": lambda: np.abs(i),
    }


def reduction_kernels(np, rng):
    x = rng.random(1_000_000)
    m = rng.random((1000, 1000))
    return {
        "sum 1e6": lambda: x.sum(),
        "mean 1e6": lambda: x.mean(),
        "max 1e6": lambda: x.max(),
        "std 1e6": lambda: x.std(),
        "argmax 1e6": lambda: x.argmax(),
        "sum axis=0 1000x1000": lambda: m.sum(axis=0),
        "dot 1e6": lambda: x @ x,
    }


def matmul_kernels(np, rng):
    out = {}
    for n in (100, 500, 1000):
        a = rng.random((n, n))
        b = rng.random((n, n))
        out[f"matmul {n}"] = (lambda a=a, b=b: a @ b)
    return out


def linalg_kernels(np, rng):
    """BLAS beyond float64 matmul, and LAPACK (NumPy's lapack_lite on wasm, OpenBLAS natively)."""
    a = rng.random((500, 500)) + 500 * np.eye(500)
    sym = a @ a.T
    a32 = rng.random((500, 500), dtype=np.float32)
    v = rng.random(1_000_000)
    m = rng.random((1000, 1000))
    return {
        "matmul float32 500": lambda: a32 @ a32,
        "matvec 1000": lambda: m @ v[:1000],
        "dot 1e6": lambda: v @ v,
        "solve 500": lambda: np.linalg.solve(a, v[:500]),
        "inv 300": lambda: np.linalg.inv(a[:300, :300]),
        "cholesky 500": lambda: np.linalg.cholesky(sym),
        "eigh 200": lambda: np.linalg.eigh(sym[:200, :200]),
        "svd 200": lambda: np.linalg.svd(a[:200, :200]),
    }


GROUPS = {"pandas": pandas_kernels, "elementwise": elementwise_kernels, "reductions": reduction_kernels, "matmul": matmul_kernels, "linalg": linalg_kernels}


def main(argv):
    group = argv[0] if argv else "all"
    repeat = int(argv[argv.index("--repeat") + 1]) if "--repeat" in argv else 5
    import numpy as np

    rng = np.random.default_rng(20261127)
    out = {}
    for name in (GROUPS if group == "all" else [group]):
        for kernel, fn in GROUPS[name](np, rng).items():
            out[f"{name}: {kernel}"] = best(fn, 2 if kernel.startswith("matmul 1000") else repeat, warm=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
