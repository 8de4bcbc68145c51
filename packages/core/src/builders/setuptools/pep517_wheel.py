"""Builds a wheel of the source tree in the current folder through its PEP 517 backend.

`pep517_wheel.py OUT_DIR`: reads [build-system] of pyproject.toml (no file, or no backend: setuptools'
legacy backend, which runs setup.py), makes the build requirements' folder a site folder (so their
.pth files apply: setuptools' distutils shim), and calls build_wheel(OUT_DIR). Prints the wheel's name.
The requirements come from the lock, unpacked by the builder; nothing is installed from an index.
"""
import importlib
import os
import site
import sys
import tomllib


def backend():
    build_system = {}
    if os.path.exists("pyproject.toml"):
        with open("pyproject.toml", "rb") as f:
            build_system = tomllib.load(f).get("build-system", {})
    name = build_system.get("build-backend", "setuptools.build_meta:__legacy__")
    for path in reversed(build_system.get("backend-path", [])):
        sys.path.insert(0, os.path.abspath(path))
    module, _, attr = name.partition(":")
    hooks = importlib.import_module(module)
    for part in filter(None, attr.split(".")):
        hooks = getattr(hooks, part)
    return hooks


def main(out_dir):
    for folder in reversed(os.environ.get("WASI_PYSTACK_BUILD_PATH", "").split(os.pathsep)):
        if folder:
            site.addsitedir(folder)
            sys.path.remove(folder)
            sys.path.insert(0, folder)
    sys.path.insert(0, os.getcwd())
    settings = {}
    for item in os.environ.get("WASI_PYSTACK_CONFIG_SETTINGS", "").split("\n"):
        if "=" in item:
            key, value = item.split("=", 1)
            settings[key] = value
    name = backend().build_wheel(os.path.abspath(out_dir), settings or None)
    print(name)


if __name__ == "__main__":
    main(sys.argv[1])
