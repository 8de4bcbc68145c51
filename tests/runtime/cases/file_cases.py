"""NumPy and pandas on real files where WASI lacks dup() and memory mappings.

    python file_cases.py DIR        (DIR: a writable folder; inside the module, a preopened one)

Prints one JSON document; tests/runtime/files.test.ts asserts it.
"""
import json
import mmap
import os
import sys

import numpy as np


def main(work):
    out = {}
    a = np.arange(12, dtype="<f8").reshape(3, 4) / 7
    path = os.path.join(work, "raw.bin")
    # tofile/fromfile on a file object that is already positioned: the raw descriptor is borrowed.
    with open(path, "wb") as f:
        f.write(b"HEAD")
        a.tofile(f)
        f.write(b"TAIL")
    with open(path, "rb") as f:
        head = f.read(4)
        b = np.fromfile(f, dtype="<f8", count=12)
        tail = f.read()
    out["tofile_fromfile"] = {"head": head.decode(), "equal": bool((b.reshape(3, 4) == a).all()), "tail": tail.decode()}
    a.tofile(os.path.join(work, "plain.bin"))
    out["fromfile_path"] = np.fromfile(os.path.join(work, "plain.bin"), dtype="<f8")[-1].item()
    a.tofile(os.path.join(work, "text.txt"), sep=",", format="%.3f")
    out["fromfile_text"] = np.fromfile(os.path.join(work, "text.txt"), sep=",")[:3].tolist()

    # Read-only and copy-on-write mappings.
    np.save(os.path.join(work, "arr.npy"), a)
    m = np.load(os.path.join(work, "arr.npy"), mmap_mode="r")
    out["load_mmap_r"] = {"type": type(m).__name__, "sum": float(m.sum()), "writeable": bool(m.flags.writeable)}
    r = np.memmap(path, dtype="<f8", mode="r", offset=4, shape=(12,))
    out["memmap_r"] = float(r[5])
    c = np.memmap(path, dtype="<f8", mode="c", offset=4, shape=(12,))
    c[0] = 99.0
    out["memmap_c"] = {"changed_in_memory": float(c[0]), "file_unchanged": float(np.fromfile(path, dtype="<f8", count=1, offset=4)[0])}
    with open(path, "rb") as f:
        mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        out["mmap_read"] = [mm[:4].decode(), mm[-4:].decode(), len(mm)]
        mm.close()
    # A writable shared mapping cannot be emulated: one clear error.
    try:
        np.memmap(os.path.join(work, "w.dat"), dtype="u1", mode="w+", shape=(8,))
        out["memmap_w"] = "no error"
    except OSError as e:
        out["memmap_w"] = str(e)
    try:
        import pandas as pd
    except ImportError:
        pd = None
    if pd is not None:
        csv = os.path.join(work, "t.csv")
        with open(csv, "w") as f:
            f.write("a,b\n1,x\n2,y\n3,z\n")
        df = pd.read_csv(csv, memory_map=True)
        out["read_csv_memory_map"] = {"a": df["a"].tolist(), "b": df["b"].tolist()}
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1])
