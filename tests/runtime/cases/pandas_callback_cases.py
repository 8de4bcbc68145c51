"""pandas work that calls back into Python from C and Cython, and copies of pandas' own scalars.

apply, agg with a lambda, rolling().apply, sort_values with a key, and the like; copy, deepcopy and
pickle of Timestamp, Timedelta, Period, Interval, NaT and of frames. Run natively by
tests/fixtures/make_pandas_fixtures.py (tests/fixtures/pandas-callbacks-2.3.3.json) and inside
python-pandas.wasm by tests/runtime/callbacks.test.ts; both print one JSON document.
"""
import copy
import json
import pickle
import warnings

import numpy as np
import pandas as pd


def frame():
    return pd.DataFrame(
        {
            "key": ["b", "a", "B", "a", "c", "b", "A", "c"],
            "x": [3.0, 1.0, 4.0, 1.5, 9.0, 2.0, 6.0, 5.0],
            "n": np.arange(8, dtype="int64"),
            "when": pd.date_range("2026-03-28", periods=8, freq="6h", tz="Europe/Berlin"),
        }
    )


def callbacks():
    df = frame()
    s = df["x"]
    g = df.assign(k=df["key"].str.lower()).groupby("k")
    return {
        "apply_rows": df.apply(lambda r: r["x"] * r["n"], axis=1).tolist(),
        "apply_columns": df[["x", "n"]].apply(lambda c: float(c.max() - c.min())).to_dict(),
        "apply_result_expand": df[["x", "n"]].apply(lambda r: [r.x, r.n * 2], axis=1, result_type="expand").values.tolist(),
        "series_apply": s.apply(lambda v: v ** 2).tolist(),
        "series_map_lambda": df["key"].map(lambda k: k.upper() * 2).tolist(),
        "series_map_dict": df["key"].map({"a": 1, "b": 2}).fillna(-1).tolist(),
        "applymap": df[["x", "n"]].map(lambda v: int(v) % 3).values.tolist(),
        "agg_lambda": g["x"].agg(lambda v: v.max() - v.min()).to_dict(),
        "agg_mixed": {k: v for k, v in g["x"].agg(["sum", lambda v: v.iloc[0]]).to_dict(orient="list").items()},
        "agg_named": g.agg(total=("x", "sum"), spread=("n", lambda v: int(v.max() - v.min()))).to_dict(orient="list"),
        "groupby_apply": g[["x", "n"]].apply(lambda d: float((d["x"] * d["n"]).sum())).to_dict(),
        "groupby_transform": g["x"].transform(lambda v: v - v.mean()).round(12).tolist(),
        "groupby_filter": g.filter(lambda d: len(d) > 2)["n"].tolist(),
        "rolling_apply_raw": s.rolling(3).apply(lambda w: w[-1] - w[0], raw=True).fillna(-99).tolist(),
        "rolling_apply_series": s.rolling(3, min_periods=2).apply(lambda w: w.idxmax(), raw=False).fillna(-99).tolist(),
        "expanding_apply": s.expanding().apply(lambda w: float(np.median(w)), raw=True).tolist(),
        "ewm_mean": s.ewm(alpha=0.5).mean().round(12).tolist(),
        "sort_values_key": df.sort_values("key", key=lambda c: c.str.lower(), kind="stable")["n"].tolist(),
        "sort_values_two_keys": df.sort_values(["key", "x"], key=lambda c: -c if pd.api.types.is_numeric_dtype(c) else c.str.lower())["n"].tolist(),
        "sort_index_key": df.set_index("key").sort_index(key=lambda i: i.str.lower(), kind="stable")["n"].tolist(),
        "pipe": df.pipe(lambda d, k: d[d["n"] > k], k=4)["n"].tolist(),
        "combine": s.combine(s[::-1].reset_index(drop=True), lambda a, b: max(a, b)).tolist(),
        "where_callable": s.where(lambda v: v > 2, lambda v: -v).tolist(),
        "str_replace_callable": df["key"].str.replace(r"[ab]", lambda m: m.group(0) * 2, regex=True).tolist(),
        "resample_apply": df.set_index("when")["x"].resample("12h").apply(lambda v: float(v.sum())).tolist(),
        "query_eval": df.query("x > @s.mean()")["n"].tolist(),
    }


def same(a, b):
    if a is pd.NaT or a is pd.NA:
        return b is a
    return type(a) is type(b) and a == b


def scalars():
    values = {
        "Timestamp": pd.Timestamp("2026-10-25 02:30").tz_localize("Europe/Berlin", ambiguous=True),
        "Timestamp_naive": pd.Timestamp("2026-01-02 03:04:05.123456789"),
        "Timedelta": pd.Timedelta("1 days 02:03:04.5"),
        "Period": pd.Period("2026Q3", freq="Q"),
        "Interval": pd.Interval(0.5, 2.5, closed="left"),
        "NaT": pd.NaT,
        "DateOffset": pd.offsets.BusinessDay(3),
        "NA": pd.NA,
    }
    out = {}
    for name, v in values.items():
        row = {"copy": same(v, copy.copy(v)), "deepcopy": same(v, copy.deepcopy(v))}
        for proto in range(2, pickle.HIGHEST_PROTOCOL + 1):
            row[f"pickle{proto}"] = same(v, pickle.loads(pickle.dumps(v, protocol=proto)))
        row["repr"] = repr(copy.deepcopy(v))
        out[name] = row
    df = frame()
    df["cat"] = df["key"].astype("category")
    df["max_in_dict"] = df["x"].max()
    nested = copy.deepcopy({"frame": df, "max": df["x"].max(), "first": df["when"].iloc[0]})
    back = pickle.loads(pickle.dumps(df))
    out["frame"] = {
        "deepcopy_equal": bool(nested["frame"].equals(df)),
        "deepcopy_max": repr(nested["max"]),
        "deepcopy_timestamp": repr(nested["first"]),
        "pickle_equal": bool(back.equals(df)),
        "pickle_dtypes": [str(t) for t in back.dtypes],
        "copy_deep_independent": bool(df.copy(deep=True)["x"].__setitem__(0, -1) is None and df["x"].iloc[0] == 3.0),
    }
    return out


def main():
    warnings.simplefilter("ignore")
    print(json.dumps({"callbacks": callbacks(), "scalars": scalars()}, sort_keys=True, default=repr))


if __name__ == "__main__":
    main()
