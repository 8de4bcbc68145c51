"""A WADUP-style pandas processor: /data.bin is a CSV of timestamped measurements.

Columns: time (ISO 8601, UTC), city, category, value. Writes /metadata/report.json.
`report()` is pure, so native pandas can compute the expected results from the same code.
"""
import io
import json
import os

import pandas as pd


def report(data: bytes) -> dict:
    df = pd.read_csv(io.BytesIO(data), parse_dates=["time"])
    df["time"] = df["time"].dt.tz_convert("Europe/Berlin") if df["time"].dt.tz else df["time"].dt.tz_localize("UTC").dt.tz_convert("Europe/Berlin")
    by_city = df.groupby("city")["value"].agg(["count", "sum", "mean", "max"]).round(6)
    pivot = df.pivot_table(index="city", columns="category", values="value", aggfunc="sum", fill_value=0).round(6)
    daily = df.set_index("time")["value"].resample("D").sum().round(6)
    rolling = df.sort_values("time")["value"].rolling(3, min_periods=1).mean().round(6)
    hourly_local = df["time"].dt.hour.value_counts().sort_index()
    return {
        "rows": int(len(df)),
        "by_city": {city: {k: float(v) for k, v in row.items()} for city, row in by_city.iterrows()},
        "pivot": {city: {cat: float(v) for cat, v in row.items()} for city, row in pivot.iterrows()},
        "daily_berlin": {ts.isoformat(): float(v) for ts, v in daily.items()},
        "rolling_tail": [float(v) for v in rolling.tail(5)],
        "hours_local": {int(h): int(n) for h, n in hourly_local.items()},
        "first_local": df["time"].min().isoformat(),
        "tz": str(df["time"].dt.tz),
    }


SAMPLE = b"time,city,category,value\n2026-03-29T00:30:00Z,Berlin,a,1.5\n2026-03-29T01:30:00Z,Lima,b,2.5\n2026-03-29T02:30:00Z,Berlin,b,4.0\n"


def warmup():
    """Called once at build time, before the snapshot: the first report() pays for lazy imports."""
    report(SAMPLE)


def main():
    with open("/data.bin", "rb") as f:
        data = f.read()
    result = report(data)
    os.makedirs("/metadata", exist_ok=True)
    with open("/metadata/report.json", "w") as f:
        json.dump(result, f, sort_keys=True)
    return 0
