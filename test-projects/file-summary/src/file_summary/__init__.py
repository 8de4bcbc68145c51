"""A file processor of the kind hosts run on every file they see: /data.bin is a JSON document, or
one compressed with gzip. It writes /metadata/summary.json: the document's kind, its size, its
top-level keys, and the length of the chain of records it links by "next" (records are {"id",
"next"} objects in "records"; a chain ends at a missing "next"). A failure is recorded as the
file's result ({"error": name, "message": text}) and process() still returns 0, as a batch
processor that must go on to the next file would.
"""

import gzip
import json
import os


def decode(data):
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return json.loads(data)


def chain_length(doc):
    records = {r["id"]: r for r in doc.get("records", [])}
    if not records:
        return 0
    length, current = 0, doc["records"][0]
    while current is not None:  # follows the links as given: a cycle never ends
        length += 1
        current = records.get(current.get("next"))
    return length


def summarise(data):
    doc = decode(data)
    summary = {"kind": type(doc).__name__, "bytes": len(data)}
    if isinstance(doc, dict):
        summary["keys"] = sorted(doc)[:20]
        summary["chain"] = chain_length(doc)
    return summary


def main():
    with open("/data.bin", "rb") as f:
        data = f.read()
    try:
        summary = summarise(data)
    except (ValueError, MemoryError, RecursionError, KeyError, TypeError) as e:
        summary = {"error": type(e).__name__, "message": str(e)[:200]}
    os.makedirs("/metadata", exist_ok=True)
    with open("/metadata/summary.json", "w") as f:
        json.dump(summary, f, sort_keys=True)
    return 0
