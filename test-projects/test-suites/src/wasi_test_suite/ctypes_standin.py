"""A stand-in for `ctypes` that exists only in test-suite runs, never in a shipped module.

WASI has no `_ctypes` (libffi has no WASI port, and there is no dlopen), so `import ctypes` fails and
six of NumPy's test modules (test_multiarray among them, 14,045 tests) could not even be collected.
With the stand-in in `sys.modules`, `import ctypes` and `from ctypes import c_int` succeed; every
*use* of a ctypes name (a call, an attribute, `c_int * 4`, subclassing `Structure`) inside a test
skips that test, with the reason (outside a test, during collection, it raises AttributeError). NumPy and pandas are imported first, so they see what a shipped module
sees: no ctypes at all (code of theirs that imports ctypes only inside a function gets the stand-in
and, when the function is used, skips the test).
"""
import sys
import types

import pytest

REASON = "WASI: this test uses ctypes, and WASI has no _ctypes (no libffi port, no dlopen)"


class _Scope:
    """pytest plugin: ctypes used inside a test skips it; anywhere else (collection, pytest looking at
    a module's names) a ctypes name just does not exist."""

    in_test = False

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        _Scope.in_test = True
        try:
            return (yield)
        finally:
            _Scope.in_test = False


PLUGIN = _Scope()


def _skip(*_args, **_kwargs):
    if _Scope.in_test:
        pytest.skip(REASON)
    raise AttributeError(REASON)


class Missing:
    """A ctypes name: harmless to import and to hold, skips the test on first use."""

    __slots__ = ("_name",)

    def __init__(self, name):
        object.__setattr__(self, "_name", name)

    def __repr__(self):
        return f"<ctypes stand-in: {self._name}>"

    def __getattr__(self, attr):
        # Python's own protocols (copy, pickle, numpy's __array__ probes) find nothing here; ctypes'
        # own dunders (`c_int16.__ctype_be__`) are a use of ctypes.
        if attr.startswith("__") and attr.endswith("__") and not attr.startswith("__ctype"):
            raise AttributeError(attr)
        _skip()

    def __mro_entries__(self, bases):
        _skip()

    __call__ = __mul__ = __rmul__ = __getitem__ = __setattr__ = _skip


class StandinModule(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return Missing(name)


# The packages under test, and their modules that import ctypes at module level (each keeps `None`
# when it is missing): imported before the stand-in exists, so they behave as in a shipped module.
PREIMPORT = ("numpy", "numpy._core._internal", "numpy.ctypeslib", "pandas")


def install(preimport=PREIMPORT, search_path=None):
    """Imports the packages under test first (so they see no ctypes), then installs the stand-in.

    `search_path`: where the packages under test are (pytest's rootdir); pytest would put it on
    sys.path only later, when it loads the first conftest.
    """
    if search_path and search_path not in sys.path:
        sys.path.insert(0, search_path)
    if "ctypes" in sys.modules and not isinstance(sys.modules["ctypes"], StandinModule):
        return  # a real ctypes: nothing to stand in for
    for name in preimport:
        try:
            __import__(name)
        except ImportError:
            pass
    try:
        import _ctypes  # noqa: F401
        return
    except ImportError:
        pass
    module = StandinModule("ctypes", __doc__)
    module.__file__ = __file__
    sys.modules["ctypes"] = module
    sys.modules["ctypes.util"] = module
