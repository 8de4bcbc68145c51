"""Imports modules and reads package data from the archive embedded in the WebAssembly module.

Runs inside the module before the interpreter finishes initializing (CPython's "core" phase), so it
may use only built-in modules. The linker's glue compiles this file, runs it as the module
`_wasi_bundle_importer` and calls install(). The archive comes from the built-in module
`_wasi_bundle` (a read-only memoryview over static data); no file system access is needed, so a host
may grant no directory at all.

Archive layout (little-endian), written by make_bundle.py:
    b"WPYBNDL1", u32 entry count, u32 index size,
    index: per entry u16 path length, path (UTF-8), u8 flags (1 = zlib), u32 offset, u32 stored size,
           u32 size
    data: the entries, offsets counted from the end of the index.
Modules are stored as marshalled code objects under "<dotted/path>.pyc" ("<pkg>/__init__.pyc" for
packages); any other file is package data.
"""

import sys
import marshal
import zlib
import _frozen_importlib as _bootstrap
import _wasi_bundle

ROOT = "/bundle"
MAGIC = b"WPYBNDL1"
FLAG_ZLIB = 1


class Archive:
    def __init__(self, blob):
        if bytes(blob[:8]) != MAGIC:
            raise ImportError("the embedded bundle is not a wasi-pystack archive")
        count = int.from_bytes(blob[8:12], "little")
        index_size = int.from_bytes(blob[12:16], "little")
        self._blob = blob
        self._entries = {}
        self.children = {"": set()}
        data_start = 16 + index_size
        pos = 16
        for _ in range(count):
            length = int.from_bytes(blob[pos:pos + 2], "little")
            path = bytes(blob[pos + 2:pos + 2 + length]).decode("utf-8")
            pos += 2 + length
            flags = blob[pos]
            offset = data_start + int.from_bytes(blob[pos + 1:pos + 5], "little")
            stored = int.from_bytes(blob[pos + 5:pos + 9], "little")
            pos += 13
            self._entries[path] = (flags, offset, stored)
            self._add_parents(path)

    def _add_parents(self, path):
        child = path
        while child:
            parent, _, name = child.rpartition("/")
            known = parent in self.children
            self.children.setdefault(parent, set()).add(name)
            if known:
                break
            child = parent

    def is_file(self, path):
        return path in self._entries

    def is_dir(self, path):
        return path in self.children

    def read(self, path):
        flags, offset, stored = self._entries[path]
        data = self._blob[offset:offset + stored]
        return zlib.decompress(data) if flags & FLAG_ZLIB else bytes(data)


def relative(path):
    """'/bundle/a/b' -> 'a/b'; None for paths outside the bundle."""
    if path == ROOT:
        return ""
    if path.startswith(ROOT + "/"):
        return path[len(ROOT) + 1:].rstrip("/")
    return None


class BundleLoader:
    def __init__(self, archive):
        self.archive = archive

    def _stem(self, fullname):
        rel = fullname.replace(".", "/")
        if self.archive.is_file(rel + "/__init__.pyc"):
            return rel + "/__init__"
        return rel

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        exec(self.get_code(module.__name__), module.__dict__)

    def is_package(self, fullname):
        return self.archive.is_file(fullname.replace(".", "/") + "/__init__.pyc")

    def get_code(self, fullname):
        return marshal.loads(self.archive.read(self._stem(fullname) + ".pyc"))

    def get_source(self, fullname):
        path = self._stem(fullname) + ".py"
        if self.archive.is_file(path):
            return self.archive.read(path).decode("utf-8")
        return None

    def get_filename(self, fullname):
        return ROOT + "/" + self._stem(fullname) + ".py"

    def get_data(self, path):
        rel = relative(path)
        if rel is None or not self.archive.is_file(rel):
            raise FileNotFoundError(2, "No such file in the embedded bundle", path)
        return self.archive.read(rel)

    def get_resource_reader(self, fullname):
        if not self.is_package(fullname):
            return None
        return make_resource_reader(self.archive, fullname.replace(".", "/"))


class BundleFinder:
    """A meta path finder for the embedded archive, placed before the file system's PathFinder."""

    def __init__(self, archive):
        self.archive = archive
        self.loader = BundleLoader(archive)

    def find_spec(self, fullname, path=None, target=None):
        if path is not None and not any(relative(p) is not None for p in path if isinstance(p, str)):
            return None
        rel = fullname.replace(".", "/")
        if self.archive.is_file(rel + "/__init__.pyc"):
            spec = _bootstrap.ModuleSpec(fullname, self.loader, origin=ROOT + "/" + rel + "/__init__.py", is_package=True)
            spec.submodule_search_locations = [ROOT + "/" + rel]
        elif self.archive.is_file(rel + ".pyc"):
            spec = _bootstrap.ModuleSpec(fullname, self.loader, origin=ROOT + "/" + rel + ".py")
        else:
            return None
        spec.has_location = True
        return spec

    def invalidate_caches(self):
        pass

    def find_distributions(self, context=None):
        """importlib.metadata support: the wheels' *.dist-info folders in the archive."""
        name = getattr(context, "name", None)
        wanted = None if name is None else _normalize(name)
        for entry in sorted(self.archive.children.get("", ())):
            if not entry.endswith(".dist-info"):
                continue
            dist = entry[: -len(".dist-info")].rpartition("-")[0]
            if wanted is None or _normalize(dist) == wanted:
                yield make_distribution(self.archive, entry)


def _normalize(name):
    out = []
    for ch in name.lower():
        out.append("_" if ch in "-_." else ch)
    return "".join(out)


_distribution_class = None


def make_distribution(archive, folder):
    global _distribution_class
    if _distribution_class is None:
        import pathlib
        from importlib.metadata import Distribution

        class BundleDistribution(Distribution):
            def __init__(self, archive, folder):
                self._archive = archive
                self._folder = folder

            def read_text(self, filename):
                path = f"{self._folder}/{filename}"
                if self._archive.is_file(path):
                    return self._archive.read(path).decode("utf-8")
                return None

            def locate_file(self, path):
                return BundleFilePath(ROOT, str(path))

        class BundleFilePath(pathlib.PurePosixPath):
            """Where importlib.metadata says a distribution's file is: answers exists() and reads."""

            def _rel(self):
                return relative(str(self))

            def exists(self):
                rel = self._rel()
                return rel is not None and (archive.is_file(rel) or archive.is_dir(rel))

            def is_file(self):
                rel = self._rel()
                return rel is not None and archive.is_file(rel)

            def read_bytes(self):
                rel = self._rel()
                if rel is None or not archive.is_file(rel):
                    raise FileNotFoundError(2, "No such file in the embedded bundle", str(self))
                return archive.read(rel)

            def read_text(self, encoding="utf-8", errors="strict"):
                return self.read_bytes().decode(encoding, errors)

        _distribution_class = BundleDistribution
    return _distribution_class(archive, folder)


_resource_classes = None


def make_resource_reader(archive, package_dir):
    """importlib.resources support: files(package) walks the archive. Built on first use."""
    global _resource_classes
    if _resource_classes is None:
        _resource_classes = _define_resource_classes()
    path_class, reader_class = _resource_classes
    return reader_class(path_class(archive, package_dir))


def _define_resource_classes():
    import io
    from importlib.resources.abc import Traversable, TraversableResources

    class BundlePath(Traversable):
        def __init__(self, archive, rel):
            self._archive = archive
            self._rel = rel

        @property
        def name(self):
            return self._rel.rpartition("/")[2]

        def __str__(self):
            return ROOT + "/" + self._rel

        def __repr__(self):
            return f"BundlePath({str(self)!r})"

        def iterdir(self):
            for name in sorted(self._archive.children.get(self._rel, ())):
                yield BundlePath(self._archive, f"{self._rel}/{name}" if self._rel else name)

        def is_dir(self):
            return self._archive.is_dir(self._rel)

        def is_file(self):
            return self._archive.is_file(self._rel)

        def joinpath(self, *descendants):
            parts = [p for d in descendants for p in str(d).split("/") if p not in ("", ".")]
            rel = "/".join(([self._rel] if self._rel else []) + parts)
            return BundlePath(self._archive, rel)

        def open(self, mode="r", *args, **kwargs):
            if not self.is_file():
                raise FileNotFoundError(2, "No such file in the embedded bundle", str(self))
            data = io.BytesIO(self._archive.read(self._rel))
            if "b" in mode:
                return data
            return io.TextIOWrapper(data, *args, **kwargs)

    class BundleResources(TraversableResources):
        def __init__(self, root):
            self._root = root

        def files(self):
            return self._root

    return BundlePath, BundleResources


LEFT_OUT_FILE = "_wasi_pystack_left_out.tsv"


class LeftOutFinder:
    """Last on sys.meta_path: a module that nothing provides, but that the bundle left out on purpose
    (a default stdlib exclusion or the project's exclude-stdlib), fails with that reason."""

    def __init__(self, left_out):
        self.left_out = left_out

    def find_spec(self, fullname, path=None, target=None):
        top = fullname.partition(".")[0]
        reason = self.left_out.get(top)
        if reason is None:
            return None
        raise ModuleNotFoundError(
            f"No module named {fullname!r}: {top!r} was left out of this WebAssembly module's bundle ({reason}). "
            f'To keep it, add keep-stdlib = ["{top}"] under [tool.wasi-pystack] in pyproject.toml and rebuild.',
            name=fullname,
        )

    def invalidate_caches(self):
        pass


def install():
    archive = Archive(_wasi_bundle.data())
    finder = BundleFinder(archive)
    # After the built-in and frozen importers, before the file system's PathFinder.
    sys.meta_path.insert(2 if len(sys.meta_path) >= 2 else len(sys.meta_path), finder)
    if archive.is_file(LEFT_OUT_FILE):
        lines = bytes(archive.read(LEFT_OUT_FILE)).decode("utf-8").splitlines()
        sys.meta_path.append(LeftOutFinder(dict(line.split("\t", 1) for line in lines if "\t" in line)))
    return finder
