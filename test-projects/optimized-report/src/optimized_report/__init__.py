"""Writes /metadata/report.json: the interpreter's optimization level, whether docstrings and asserts
survived it (the project's own, the stdlib's, NumPy's, pandas'), and a small pandas computation on
the CSV given as /data.bin."""

import io
import json
import os
import sys

import numpy as np
import numpy.ma
import pandas as pd


def documented():
    """A docstring that python -OO leaves out."""


def assert_raises():
    try:
        assert False, "python -O leaves asserts out"
    except AssertionError:
        return True
    return False


def main():
    with open("/data.bin", "rb") as f:
        frame = pd.read_csv(io.BytesIO(f.read()))
    masked = numpy.ma.masked_less(frame["value"].to_numpy(), 0)
    report = {
        "optimize": sys.flags.optimize,
        "docstrings": {
            "project": documented.__doc__,
            "stdlib": json.dumps.__doc__,
            "numpy": np.mean.__doc__,
            "pandas": pd.concat.__doc__,
        },
        "assert_raises": assert_raises(),
        "sums": {str(k): int(v) for k, v in frame.groupby("key")["value"].sum().items()},
        "masked_mean": float(masked.mean()),
    }
    os.makedirs("/metadata", exist_ok=True)
    with open("/metadata/report.json", "w") as f:
        json.dump(report, f, sort_keys=True)
    return 0
