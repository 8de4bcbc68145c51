"""NumPy behaviour checked inside the WebAssembly module against native NumPy 2.4.0.

Run natively by tests/fixtures/make_fixtures.py to produce tests/fixtures/numpy-2.4.0.json, and inside
python-numpy.wasm by tests/runtime/numpy-module.test.ts; both print the same JSON document.
Values that legitimately differ by platform (wasm32's long double is IEEE quad, x86-64's is 80-bit)
go under "platform" and are asserted by the test itself, not compared with the native run.
"""
import json
import sys

import numpy as np


def floats(a):
    return [float(x) for x in np.asarray(a, dtype=np.float64).ravel()]


def exact_fingerprint(c):
    """Row sums, column sums and a position-weighted total of an integer-valued matrix: exact in float64."""
    c = np.asarray(c)
    if np.iscomplexobj(c):
        return {"real": exact_fingerprint(c.real), "imag": exact_fingerprint(c.imag)}
    c = c.astype(np.float64)
    weights = np.arange(c.size, dtype=np.float64).reshape(c.shape) % 11
    return {"rows": c.sum(axis=1).tolist(), "cols": c.sum(axis=0).tolist(), "weighted": float((c * weights).sum())}


def cases():
    out = {}
    a = np.arange(24, dtype=np.int64).reshape(2, 3, 4)
    out["math"] = {
        "sum": int(a.sum()),
        "sum_axis": a.sum(axis=(0, 2)).tolist(),
        "mean_std": floats([a.mean(), a.std(), np.var(a, ddof=1)]),
        "cumsum": np.cumsum(np.arange(1, 11)).tolist(),
        "broadcast": (np.arange(3)[:, None] * np.arange(4)).tolist(),
        "int8_wrap": (np.array([120], dtype=np.int8) + np.int8(10)).tolist(),
        "floordiv": (np.array([-7, 7]) // 2).tolist(),
        "transcendental": floats(np.sin(np.linspace(0, 3, 7)) + np.exp(np.linspace(-1, 1, 7))),
        "matmul": (np.arange(6).reshape(2, 3) @ np.arange(6).reshape(3, 2)).tolist(),
        "sort": np.sort(np.array([3, 1, 2, 9, -4])).tolist(),
        "unique": np.unique(np.array([3, 1, 3, 2, 1, 7])).tolist(),
        "unique_counts": [x.tolist() for x in np.unique(np.array([5, 5, 1, 9, 1, 5]), return_counts=True)],
    }
    h = np.array([0.1, 1.5, 65504, 1e-5], dtype=np.float16)
    out["dtypes"] = {
        "float16": [repr(x) for x in h],
        "float16_sum": repr(h[:2].sum()),
        "uint64_max": int(np.iinfo(np.uint64).max),
        "int32_promotion": str((np.int32(1) + np.int64(1)).dtype),
        "complex": [repr(x) for x in np.array([1 + 2j, 3 - 1j]) * (2 - 1j)],
        "bool_sum": int(np.array([True, False, True]).sum()),
        "longdouble_simple": [str(np.longdouble("0.1")), str(np.longdouble(2) ** 10), repr(np.longdouble(1.5))],
    }
    out["datetime"] = {
        "add": str(np.datetime64("2026-11-25") + np.timedelta64(10, "D")),
        "months": [str(x) for x in np.arange("2026-01", "2026-06", dtype="datetime64[M]")],
        "diff_hours": int((np.datetime64("2026-03-29T12:00") - np.datetime64("2026-03-28T00:00")) / np.timedelta64(1, "h")),
        "busday_count": int(np.busday_count("2026-11-01", "2026-12-01")),
        "as_ns": int(np.datetime64("2026-11-25T01:02:03.456789", "ns").astype(np.int64)),
    }
    s = np.array(["apple", "Banana", "cherry pie"])
    sd = np.array(["x", "yy", "zzz"], dtype=np.dtypes.StringDType())
    out["strings"] = {
        "upper": np.strings.upper(s).tolist(),
        "find": np.strings.find(s, "an").tolist(),
        "lengths": np.strings.str_len(s).tolist(),
        "stringdtype_concat": (sd + "!").tolist(),
        "sorted": np.sort(s).tolist(),
    }
    st = np.array([(b"bob", 30, 1.5), (b"al", 25, 2.5), (b"cy", 35, 0.5)], dtype=[("name", "S5"), ("age", "i4"), ("w", "f8")])
    out["structured"] = {
        "by_age": np.sort(st, order="age")["name"].tolist(),
        "itemsize": st.dtype.itemsize,
        "w_sum": float(st["w"].sum()),
    }
    out["structured"]["by_age"] = [x.decode() for x in out["structured"]["by_age"]]
    m = np.array([[4.0, 1.0, 2.0], [1.0, 3.0, 0.5], [2.0, 0.5, 5.0]])
    b = np.array([1.0, 2.0, 3.0])
    q, r = np.linalg.qr(m)
    x, res, rank, sv = np.linalg.lstsq(np.vstack([np.arange(5.0), np.ones(5)]).T, np.array([1.0, 2.9, 5.1, 7.0, 9.2]), rcond=None)
    out["linalg"] = {
        "solve": floats(np.linalg.solve(m, b)),
        "eigvalsh": floats(np.linalg.eigvalsh(m)),
        "eig_sorted": floats(np.sort(np.linalg.eig(m)[0].real)),
        "svd": floats(np.linalg.svd(m, compute_uv=False)),
        "qr_r_diag_abs": floats(np.abs(np.diag(r))),
        "qr_reconstructs": bool(np.allclose(q @ r, m)),
        "lstsq": floats(x),
        "det": floats([np.linalg.det(m)]),
        "inv": floats(np.linalg.inv(m)),
        "cholesky": floats(np.linalg.cholesky(m)),
    }
    # Large enough that NumPy hands them to the BLAS (CBLAS gemm/gemv/dot); small integers keep every
    # product exact in any summation order, so they equal native NumPy's to the bit.
    ints = np.arange(96 * 80).reshape(96, 80) % 7 - 3
    other = np.arange(80 * 72).reshape(80, 72) % 5 - 2
    vec = np.arange(80) % 3 - 1.0
    big = np.random.default_rng(5).standard_normal((120, 120)) + 120 * np.eye(120)
    out["blas"] = {
        "dgemm": exact_fingerprint(ints.astype(np.float64) @ other.astype(np.float64)),
        "dgemm_transposed": exact_fingerprint(other.T.astype(np.float64) @ ints.T.astype(np.float64)),
        "sgemm": exact_fingerprint(ints.astype(np.float32) @ other.astype(np.float32)),
        "zgemm": exact_fingerprint((ints + 1j * ints[::-1]).astype(np.complex128) @ other.astype(np.complex128)),
        "dgemv": (ints.astype(np.float64) @ vec).tolist(),
        "ddot": float(vec @ vec),
        "vdot_complex": [np.vdot(vec + 1j, vec - 1j).real.item(), np.vdot(vec + 1j, vec - 1j).imag.item()],
        "solve_120_residual_small": bool(np.abs(big @ np.linalg.solve(big, np.ones(120)) - 1).max() < 1e-10),
        "inv_120_identity": bool(np.allclose(big @ np.linalg.inv(big), np.eye(120), atol=1e-10)),
    }
    rng = np.random.default_rng(12345)
    legacy = np.random.RandomState(42)
    out["random"] = {
        "generator_random": floats(rng.random(5)),
        "generator_integers": rng.integers(0, 100, 10).tolist(),
        "generator_normal": floats(rng.normal(size=5)),
        "generator_choice": rng.choice(10, 4, replace=False).tolist(),
        "generator_binomial": rng.binomial(10, 0.3, 6).tolist(),
        "generator_poisson": rng.poisson(3.0, 6).tolist(),
        "legacy_rand": floats(legacy.rand(5)),
        "legacy_randint": legacy.randint(0, 100, 10).tolist(),
        "legacy_randn": floats(legacy.randn(3)),
        "legacy_binomial": legacy.binomial(10, 0.5, 6).tolist(),
        "legacy_poisson": legacy.poisson(4.0, 6).tolist(),
        "legacy_gamma": floats(legacy.standard_gamma(2.0, 3)),
        "global_seed": (np.random.seed(7), np.random.randint(0, 1000, 5).tolist())[1],
        "pcg64_raw": np.random.PCG64(1).random_raw(3).tolist(),
        "philox_raw": np.random.Philox(1).random_raw(3).tolist(),
        "sfc64_raw": np.random.SFC64(1).random_raw(3).tolist(),
        "mt19937_raw": np.random.MT19937(1).random_raw(3).tolist(),
    }
    sig = np.arange(1.0, 9.0)
    noise = np.random.default_rng(3).standard_normal(1 << 10)
    spectrum = np.fft.fft(sig)
    out["fft"] = {
        "fft_real": floats(spectrum.real),
        "fft_imag": floats(spectrum.imag),
        "rfft_roundtrip_ok": bool(np.allclose(np.fft.irfft(np.fft.rfft(noise), n=noise.size), noise, atol=1e-12)),
        "fft_roundtrip_ok": bool(np.allclose(np.fft.ifft(np.fft.fft(noise)).real, noise, atol=1e-12)),
        "fftfreq": floats(np.fft.fftfreq(8, d=0.5)),
    }
    out["platform"] = {
        "longdouble_nmant": int(np.finfo(np.longdouble).nmant),
        "longdouble_third": str(np.longdouble(1) / np.longdouble(3)),
        "intp_bits": int(np.dtype(np.intp).itemsize * 8),
        "blas": np.__config__.CONFIG["Build Dependencies"]["blas"]["name"],
    }
    return out


def save_load(folder):
    arr = np.arange(12, dtype=np.float32).reshape(3, 4) / 7
    np.save(f"{folder}/arr.npy", arr)
    np.savez_compressed(f"{folder}/many.npz", a=arr, b=np.array(["x", "y"]))
    back = np.load(f"{folder}/arr.npy")
    many = np.load(f"{folder}/many.npz")
    return {"equal": bool(np.array_equal(arr, back)), "npz": sorted(many.files), "b": many["b"].tolist()}


if __name__ == "__main__":
    result = cases()
    if len(sys.argv) > 1:
        result["save_load"] = save_load(sys.argv[1])
    print(json.dumps(result, sort_keys=True))
