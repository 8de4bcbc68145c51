"""A WADUP-style processor: the input is /data.bin; results go to /metadata/ and /subcontent/."""

import hashlib
import json
import os

import six

from hello.stats import byte_stats

CALLS = 0


def main():
    global CALLS
    CALLS += 1
    with open("/data.bin", "rb") as f:
        data = f.read()
    if data.startswith(b"FAIL"):
        raise ValueError(f"refusing input starting with FAIL ({len(data)} bytes)")
    result = {
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "calls": CALLS,
        "six": six.__version__,
        **byte_stats(data),
    }
    os.makedirs("/metadata", exist_ok=True)
    with open("/metadata/result.json", "w") as f:
        json.dump(result, f, sort_keys=True)
    if data.startswith(b"SPLIT"):
        os.makedirs("/subcontent", exist_ok=True)
        for i, part in enumerate(data[5:].split(b",")):
            with open(f"/subcontent/part{i}.bin", "wb") as f:
                f.write(part)
    print(f"hello: processed {len(data)} bytes (call {CALLS})")
    return 0
