"""Writes a wasi-pystack archive (see bundle_importer.py for the layout) from a JSON plan.

Run with the *build* Python of the same version as the target, so the marshalled code objects match:
    python3.13 make_bundle.py plan.json

The plan:
    {"output": "bundle.bin", "listing": "bundle-files.json", "compress": true, "optimize": 0,
     "roots": [{"path": "/x/lib/python3.13", "exclude": ["test", ...], "keep_source": false,
                "origin": "stdlib"}],
     "wheels": [{"path": "/x/six-1.17.0-py2.py3-none-any.whl", "origin": "six"}],
     "left_out": {"tkinter": "GUI toolkit: no Tk on WASI", ...}}
Python files are compiled (at "optimize", as compile() takes it: 2 drops asserts and docstrings) to
code objects whose file names are /bundle/<path>; other files are
stored as they are (package data). Two origins providing one path is an error. A module of a wheel
that does not compile (olefile 0.47 ships olefile2.py, Python 2 only) is bundled as what CPython
makes of it: importing it raises that SyntaxError; the listing marks it. In the stdlib, a step's
output or the project's own code, a module that does not compile is an error.
"""

import json
import marshal
import os
import sys
import zipfile
import zlib

MAGIC = b"WPYBNDL1"
ROOT = "/bundle"
SKIP_DIRS = {"__pycache__"}
LEFT_OUT_FILE = "_wasi_pystack_left_out.tsv"
SKIP_SUFFIXES = (".pyc", ".pyo", ".so", ".a", ".o", ".exe", ".dll")


class BundleError(Exception):
    pass


class Writer:
    def __init__(self, compress, optimize=0):
        self.compress = compress
        self.optimize = optimize
        self.entries = {}  # path -> (data, origin)
        self.errors = []
        self.syntax_errors = {}  # path of a wheel's module that does not compile -> its SyntaxError

    def add(self, path, data, origin):
        if path in self.entries:
            other = self.entries[path][1]
            self.errors.append(f"{path} is provided by both {other} and {origin}")
            return
        self.entries[path] = (data, origin)

    def add_python(self, path, source_bytes, origin, keep_source, wheel=False):
        stem = path[:-3]
        filename = f"{ROOT}/{path}"
        try:
            code = compile(source_bytes, filename, "exec", dont_inherit=True, optimize=self.optimize)
        except SyntaxError as e:
            if not wheel:
                self.errors.append(f"{origin}: {path}:{e.lineno}: {e.msg}")
                return
            # What importing it does under CPython: the same SyntaxError, raised at import.
            self.syntax_errors[stem + ".pyc"] = f"{e.msg} (line {e.lineno})"
            details = (filename, e.lineno, e.offset, e.text)
            code = compile(f"raise SyntaxError({e.msg!r}, {details!r})", filename, "exec", dont_inherit=True)
        self.add(stem + ".pyc", marshal.dumps(code), origin)
        if keep_source:
            self.add(path, source_bytes, origin)

    def add_file(self, path, data, origin, keep_source, wheel=False):
        if path.endswith(".py"):
            self.add_python(path, data, origin, keep_source, wheel)
        elif not path.endswith(SKIP_SUFFIXES):
            self.add(path, data, origin)

    def write(self, output):
        index = bytearray()
        blobs = []
        offset = 0
        for path in sorted(self.entries):
            data = self.entries[path][0]
            flags = 0
            stored = data
            if self.compress and len(data) > 256:
                packed = zlib.compress(data, 9)
                if len(packed) < len(data):
                    flags, stored = 1, packed
            encoded = path.encode("utf-8")
            index += len(encoded).to_bytes(2, "little") + encoded + bytes([flags])
            index += offset.to_bytes(4, "little") + len(stored).to_bytes(4, "little") + len(data).to_bytes(4, "little")
            blobs.append(stored)
            offset += len(stored)
        tmp = output + ".tmp"
        with open(tmp, "wb") as f:
            f.write(MAGIC + len(self.entries).to_bytes(4, "little") + len(index).to_bytes(4, "little"))
            f.write(index)
            for blob in blobs:
                f.write(blob)
        os.replace(tmp, output)


def excluded(rel, patterns):
    parts = rel.split("/")
    for pattern in patterns:
        if pattern.endswith("/**"):  # any folder of that name, at any depth
            if pattern[:-3] in parts[:-1]:
                return True
        elif rel == pattern or rel.startswith(pattern + "/"):
            return True
    return False


def add_root(writer, root):
    top = root["path"]
    patterns = root.get("exclude", [])
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, top).replace(os.sep, "/")
            if excluded(rel, patterns):
                continue
            with open(full, "rb") as f:
                writer.add_file(rel, f.read(), root["origin"], root.get("keep_source", False))


def add_wheel(writer, wheel):
    with zipfile.ZipFile(wheel["path"]) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            rel = info.filename
            head, _, rest = rel.partition("/")
            if head.endswith(".data"):
                kind, _, inner = rest.partition("/")
                if kind not in ("purelib", "platlib"):
                    continue
                rel = inner
            writer.add_file(rel, zf.read(info), wheel["origin"], wheel.get("keep_source", False), wheel=True)


def main(plan_path):
    with open(plan_path) as f:
        plan = json.load(f)
    writer = Writer(plan.get("compress", True), plan.get("optimize", 0))
    for root in plan.get("roots", []):
        add_root(writer, root)
    for wheel in plan.get("wheels", []):
        add_wheel(writer, wheel)
    # Read by the importer: importing one of these names fails with the reason, not just "No module".
    left_out = sorted(plan.get("left_out", {}).items())
    writer.add(LEFT_OUT_FILE, "".join(f"{name}\t{reason}\n" for name, reason in left_out).encode(), "stub-bundler")
    if writer.errors:
        print(f"{len(writer.errors)} problem(s) while bundling:", file=sys.stderr)
        for error in writer.errors[:20]:
            print(f"  {error}", file=sys.stderr)
        return 1
    writer.write(plan["output"])
    listing = {path: {"size": len(data), "origin": origin, **({"syntaxError": writer.syntax_errors[path]} if path in writer.syntax_errors else {})} for path, (data, origin) in sorted(writer.entries.items())}
    for path, error in sorted(writer.syntax_errors.items()):
        print(f"note: {path} does not compile ({error}); importing it raises that SyntaxError, as under CPython", file=sys.stderr)
    with open(plan["listing"], "w") as f:
        json.dump(listing, f, indent=0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
