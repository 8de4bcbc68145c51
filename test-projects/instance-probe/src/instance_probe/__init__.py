"""Writes /metadata/probe.json with what a fresh instance must not share with the build or with
another instance: random draws (stdlib and NumPy's legacy global), environment, arguments, the
directories it sees, the clock, and the number of calls so far in this instance."""

import json
import os
import random
import sys
import time

import numpy as np

CALLS = 0
IMPORTED_AT = time.time()


def main():
    global CALLS
    CALLS += 1
    with open("/data.bin", "rb") as f:
        data = f.read()
    probe = {
        "calls": CALLS,
        "bytes": len(data),
        "random": random.random(),
        "np_random": float(np.random.random()),
        "environ": dict(os.environ),
        "argv": sys.argv[1:],
        "root": sorted(os.listdir("/")),
        "now": time.time(),
        "imported_at": IMPORTED_AT,
        "preimported": sorted(m for m in ("json", "decimal", "numpy") if m in sys.modules),
        "hash_randomized": sys.flags.hash_randomization,
    }
    os.makedirs("/metadata", exist_ok=True)
    with open("/metadata/probe.json", "w") as f:
        json.dump(probe, f, sort_keys=True)
    return 0
