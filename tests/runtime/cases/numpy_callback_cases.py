"""Calls that reach C through function pointers: where a signature mismatch would trap on wasm.

copy, deepcopy and pickle of every NumPy scalar type, object-dtype ufuncs, np.vectorize and
np.frompyfunc, and a sweep that calls every method of every scalar type without arguments. Run
natively by tests/fixtures/make_fixtures.py (tests/fixtures/numpy-callbacks-2.4.0.json) and inside
python-numpy.wasm / python-pandas.wasm by tests/runtime/callbacks.test.ts; both print one JSON
document. A wasm trap ends the module, so progress goes to stderr only when WASI_PYSTACK_TRACE is set.
"""
import copy
import json
import os
import pickle
import sys
import warnings

import numpy as np

TRACE = bool(os.environ.get("WASI_PYSTACK_TRACE"))


def trace(what):
    if TRACE:
        print(what, file=sys.stderr, flush=True)


def scalar_samples():
    """One value of every scalar type NumPy has, by type code, plus structured and string kinds."""
    samples = {}
    for code in np.typecodes["All"]:
        t = np.dtype(code).type
        if t is np.object_:
            continue
        if t is np.bool_:
            v = t(True)
        elif issubclass(t, np.complexfloating):
            v = t(1.5 - 2.25j)
        elif issubclass(t, np.floating):
            v = t(1.5)
        elif issubclass(t, np.integer):
            v = t(7)
        elif t is np.datetime64:
            v = np.datetime64("2026-03-29T01:30:15", "s")
        elif t is np.timedelta64:
            v = np.timedelta64(90, "m")
        elif t is np.bytes_:
            v = np.bytes_(b"ab\x00c")
        elif t is np.str_:
            v = np.str_("a\u00e9\u6f22")
        elif t is np.void:
            v = np.void(b"\x01\x02\x03")
        else:
            continue
        samples[code] = v
    structured = np.array([(1, 2.5, b"xy")], dtype=[("a", "<i4"), ("b", "<f8"), ("c", "S2")])
    samples["V:structured"] = structured[0]
    samples["f8:nan"] = np.float64("nan")
    samples["M8:NaT"] = np.datetime64("NaT")
    return samples


def describe(v):
    """A platform-independent picture of a value: its type and its repr."""
    return [type(v).__name__, repr(v)]


def same(a, b):
    if isinstance(a, np.void):
        return a.tobytes() == b.tobytes() and a.dtype == b.dtype
    if isinstance(a, (np.floating, np.complexfloating)) and np.isnan(a):
        return bool(np.isnan(b))
    if isinstance(a, np.datetime64) and np.isnat(a):
        return bool(np.isnat(b))
    return bool(a == b) and type(a) is type(b)


def copy_and_pickle():
    out = {}
    for name, v in scalar_samples().items():
        trace(f"copy {name}")
        row = {"copy": same(v, copy.copy(v)), "deepcopy": same(v, copy.deepcopy(v))}
        row["deepcopy_in_dict"] = same(v, copy.deepcopy({"k": [v]})["k"][0])
        for proto in range(2, pickle.HIGHEST_PROTOCOL + 1):
            row[f"pickle{proto}"] = same(v, pickle.loads(pickle.dumps(v, protocol=proto)))
        row["value"] = describe(copy.deepcopy(v))
        out[name] = row
    arrays = {
        "object": np.array([1, "a", None, [2]], dtype=object),
        "structured": np.zeros(2, dtype=[("a", "<i4"), ("b", "<f8")]),
        "datetime": np.array(["2026-01-01", "NaT"], dtype="M8[D]"),
        "longdouble": np.array([1, 2], dtype=np.longdouble) / 3,
    }
    for name, a in arrays.items():
        trace(f"array {name}")
        b = pickle.loads(pickle.dumps(a))
        out[f"array:{name}"] = {
            "copy": copy.copy(a).tolist() == a.tolist(),
            "deepcopy": copy.deepcopy(a).tolist() == a.tolist(),
            "pickle": b.dtype == a.dtype and b.tobytes() == a.tobytes() if a.dtype != object else b.tolist() == a.tolist(),
        }
    return out


def object_callbacks():
    trace("object ufuncs")
    objs = np.array([1, 2.5, 3 + 1j, "x"], dtype=object)
    nums = np.array([3, -1, 7, 2], dtype=object)
    add = np.frompyfunc(lambda a, b: f"{a}|{b}", 2, 1)
    divmod_ = np.frompyfunc(divmod, 2, 2)
    vec = np.vectorize(lambda x, y=2: x * y + 1)
    vec_sig = np.vectorize(lambda row: row[::-1].copy(), signature="(n)->(n)")
    big = np.array([10**30, -(10**30)], dtype=object)
    return {
        "object_add": (objs[:3] + objs[:3]).tolist().__repr__(),
        "object_mul_str": (objs[3:] * 3).tolist(),
        "object_neg_abs": [repr(x) for x in np.abs(-nums)],
        "object_reduce": repr(np.add.reduce(nums)),
        "object_accumulate": np.multiply.accumulate(nums).tolist(),
        "object_sort": np.sort(nums).tolist(),
        "object_argsort": np.argsort(nums).tolist(),
        "object_compare": (nums > 1).tolist(),
        "object_bigint": [str(x) for x in big * big],
        "object_max": repr(np.max(nums)),
        "frompyfunc": add(np.arange(3), np.array(["a", "b", "c"], dtype=object)).tolist(),
        "frompyfunc_outer": add.outer(np.arange(2), np.arange(2)).tolist(),
        "frompyfunc_reduce": np.frompyfunc(lambda a, b: a * 10 + b, 2, 1).reduce(np.arange(1, 5), initial=0),
        "frompyfunc_two_outputs": [x.tolist() for x in divmod_(np.array([7, 9]), np.array([2, 4]))],
        "vectorize": vec(np.arange(4)).tolist(),
        "vectorize_kw": vec(np.arange(3), y=5).tolist(),
        "vectorize_signature": vec_sig(np.arange(6).reshape(2, 3)).tolist(),
        "apply_along_axis": np.apply_along_axis(lambda r: r.sum() * 2, 1, np.arange(6).reshape(2, 3)).tolist(),
        "piecewise": np.piecewise(np.arange(-2.0, 3.0), [np.arange(-2, 3) < 0], [lambda x: -x, lambda x: x * x]).tolist(),
        "sort_key_objects": [int(v) for v in sorted(np.array([3, 1, 2]), key=lambda v: -v)],
    }


def method_sweep():
    """Calls every method of every scalar type with no argument: exceptions are fine, traps are not."""
    skip = {"__init_subclass__", "__subclasshook__", "__new__", "__init__", "tofile", "dump", "__class_getitem__"}
    outcomes = {}
    for name, v in scalar_samples().items():
        for attr in sorted(dir(v)):
            if attr in skip:
                continue
            try:
                m = getattr(v, attr)
            except Exception as e:  # noqa: BLE001 - the outcome is what is recorded
                outcomes[f"{name}.{attr}"] = f"getattr:{type(e).__name__}"
                continue
            if not callable(m) or isinstance(m, type):
                continue
            trace(f"call {name}.{attr}()")
            try:
                m()
                outcomes[f"{name}.{attr}"] = "ok"
            except Exception as e:  # noqa: BLE001
                outcomes[f"{name}.{attr}"] = type(e).__name__
    return {"calls": len(outcomes), "ok": sum(1 for o in outcomes.values() if o == "ok"), "outcomes": outcomes}


def main():
    warnings.simplefilter("ignore")
    out = {"copy_and_pickle": copy_and_pickle(), "object_callbacks": object_callbacks()}
    sweep = method_sweep()
    out["method_sweep"] = sweep["outcomes"]
    print(json.dumps(out, sort_keys=True, default=repr))


if __name__ == "__main__":
    main()
