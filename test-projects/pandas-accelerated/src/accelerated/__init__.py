"""What pandas does with numexpr and bottleneck installed, as JSON.

`python -m accelerated` prints report(): pandas' options, which calls reached numexpr and bottleneck
(pandas' own test mode for numexpr, counting wrappers around bottleneck's functions), and the
results to 12 significant digits, so that the same numbers come out natively and on wasm32-wasip1.
"""
import json
import sys


def _rounded(value):
    if isinstance(value, float):
        return float(f"{value:.12g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rounded(v) for v in value]
    return value


def _frame(rows):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(20261205)
    values = rng.normal(10.0, 3.0, size=(rows, 2))
    values[::7, 0] = np.nan
    return pd.DataFrame(values, columns=["a", "b"])


def _spy_on_bottleneck(names):
    """Counts the calls pandas makes to bottleneck: pandas binds bottleneck's function when nanops is
    imported (bottleneck_switch), so the spy replaces it in the closure of each nanops function."""
    import bottleneck
    from pandas.core import nanops

    calls = []

    def replace_in(function, name, original, depth=0):
        for cell in function.__closure__ or ():
            contents = cell.cell_contents
            if contents is original:

                def spy(*args, **kwargs):
                    calls.append(name)
                    return original(*args, **kwargs)

                cell.cell_contents = spy
                return True
            if callable(contents) and getattr(contents, "__closure__", None) and depth < 3 and replace_in(contents, name, original, depth + 1):
                return True
        return False

    found = {name: replace_in(getattr(nanops, name), name, getattr(bottleneck, name)) for name in names}
    return calls, found


def report():
    import bottleneck
    import numexpr
    import pandas as pd
    from pandas.core.computation import expressions

    out = {
        "versions": {"pandas": pd.__version__, "numexpr": numexpr.__version__, "bottleneck": bottleneck.__version__},
        "options": {"compute.use_numexpr": pd.get_option("compute.use_numexpr"), "compute.use_bottleneck": pd.get_option("compute.use_bottleneck")},
        "numexpr_threads": {"set_num_threads(4) returned": numexpr.set_num_threads(4) >= 1, "threads after": numexpr.get_num_threads() if sys.platform == "wasi" else 1},
    }
    big = _frame(1_000_000)  # 2,000,000 elements: above pandas' numexpr threshold
    small = _frame(1_000)

    expressions.set_test_mode(True)
    try:
        total = big.fillna(0) * 2.5 + big
        large_arithmetic_used = expressions.get_test_result()
        small_total = small.fillna(0) * 2.5 + small
        small_arithmetic_used = expressions.get_test_result()
    finally:
        expressions.set_test_mode(False)
    evaluated = big.eval("a * 2.5 + b", engine="numexpr")
    queried = big.query("a > 12 and b < 9", engine="numexpr")
    out["numexpr"] = {
        "large arithmetic used numexpr": bool(large_arithmetic_used) and all(large_arithmetic_used),
        "small arithmetic used numexpr": any(small_arithmetic_used),
        "sum of large arithmetic": [float(v) for v in total.sum()],
        "sum of small arithmetic": [float(v) for v in small_total.sum()],
        "eval sum": float(evaluated.sum()),
        "query rows": int(len(queried)),
        "query sum of a": float(queried["a"].sum()),
        "numexpr.evaluate": float(numexpr.evaluate("sum(x * 2 + 1)", local_dict={"x": big["b"].to_numpy()})),
    }

    calls, bound = _spy_on_bottleneck(["nanmean", "nanstd", "nanvar", "nanmedian"])
    out["bottleneck"] = {
        "mean": float(big["a"].mean()),
        "std": float(big["a"].std()),
        "var": float(big["a"].var()),
        "min": float(big["a"].min()),
        "max": float(big["a"].max()),
        "median": float(big["a"].median()),
        "frame mean": [float(v) for v in big.mean()],
        "bottleneck.move_mean tail": [float(v) for v in bottleneck.move_mean(big["b"].to_numpy(), window=50, min_count=1)[-3:]],
        "rolling mean tail": [float(v) for v in big["b"].rolling(50, min_periods=1).mean().to_numpy()[-3:]],
    }
    out["bottleneck calls"] = sorted(set(calls))
    out["bottleneck bound by pandas"] = bound
    return _rounded(out)


def main():
    json.dump(report(), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
