"""Runs a package's pytest suite inside a WebAssembly module and records every outcome.

    python -m wasi_test_suite --results /out/results.jsonl --skips /suite/skips.txt [--ctypes-standin] [--deselect ID]... DIR...

Each finished test appends one JSON line to the results file as soon as it is known, and the test
about to run is written to <results>.current first, so a host can tell which test took the whole
instance down (a trap ends the process) and run again without it.
Skip list lines: "<nodeid glob>  # <WASI reason>"; matching tests are skipped with that reason.
"""
import argparse
import fnmatch
import json
import sys

import pytest

from . import ctypes_standin

# Fixtures that capture at the file-descriptor level need dup(), which WASI does not have.
FD_CAPTURE = {"capfd", "capfdbinary"}


def read_skips(path):
    skips = []
    if not path:
        return skips
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            pattern, _, reason = line.partition("#")
            skips.append((pattern.strip(), reason.strip() or "not supported on WASI"))
    return skips


class Recorder:
    def __init__(self, results_path, skips):
        self.out = open(results_path, "a", buffering=1)
        self.current = results_path + ".current"
        self.skips = skips

    def skip_reason(self, nodeid):
        for pattern, reason in self.skips:
            if fnmatch.fnmatchcase(nodeid, pattern):
                return reason
        return None

    def pytest_addoption(self, parser):
        # The cache plugin is off (it needs os.umask, which WASI lacks), but tests read its options:
        # pandas' test_coercion reads --lf. They keep their defaults.
        group = parser.getgroup("wasi-test-suite")
        group.addoption("--lf", "--last-failed", action="store_true", dest="lf", default=False, help="(no cache on WASI)")
        group.addoption("--ff", "--failed-first", action="store_true", dest="failedfirst", default=False, help="(no cache on WASI)")

    def pytest_collection_modifyitems(self, config, items):
        for item in items:
            reason = self.skip_reason(item.nodeid)
            if reason is None and FD_CAPTURE & set(getattr(item, "fixturenames", ())):
                reason = "no dup() on WASI: file-descriptor capture (capfd) is impossible"
            if reason is not None:
                item.add_marker(pytest.mark.skip(reason=f"WASI: {reason}"))

    def pytest_collectstart(self, collector):
        path = getattr(collector, "path", None)
        if path is not None and str(path).endswith(".py"):
            with open(self.current, "w") as f:
                f.write(f"collect:{path}")

    def pytest_collectreport(self, report):
        if report.failed:
            text = str(report.longrepr).strip()
            reason = self.skip_reason(report.nodeid)
            if reason is not None:
                line = {"id": report.nodeid, "outcome": "skipped", "message": f"WASI: {reason} (module not importable)"}
            else:
                line = {"id": report.nodeid, "outcome": "error", "message": ("collection: " + (text.splitlines()[-1] if text else ""))[:300]}
            self.out.write(json.dumps(line) + "\n")

    def pytest_runtest_logstart(self, nodeid, location):
        with open(self.current, "w") as f:
            f.write(nodeid)

    def pytest_runtest_logreport(self, report):
        outcome = None
        if report.when == "setup" and report.failed:
            outcome = "error"
        elif report.when == "setup" and report.skipped:
            outcome = "skipped"
        elif report.when == "call":
            if hasattr(report, "wasxfail"):
                outcome = "xfailed" if report.skipped else "xpassed"
            else:
                outcome = report.outcome
        elif report.when == "teardown" and report.failed:
            outcome = "error"
        if outcome is None:
            return
        line = {"id": report.nodeid, "outcome": outcome}
        if outcome in ("failed", "error"):
            text = str(report.longrepr)
            line["message"] = text.strip().splitlines()[-1][:300] if text.strip() else ""
        elif outcome == "skipped" and isinstance(report.longrepr, tuple):
            line["message"] = str(report.longrepr[2])[:200]
        self.out.write(json.dumps(line) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--results", required=True)
    parser.add_argument("--skips", action="append", default=[], help="skip list files; the first matching entry gives the reason")
    parser.add_argument("--deselect", action="append", default=[])
    parser.add_argument("--ignore", action="append", default=[])
    parser.add_argument("--rootdir", help="pytest's rootdir (where the packages under test are)")
    parser.add_argument("--ctypes-standin", action="store_true", help="let `import ctypes` succeed; tests that use it skip (ctypes_standin.py)")
    parser.add_argument("paths", nargs="+")
    args, extra = parser.parse_known_args(argv)
    recorder = Recorder(args.results, [skip for path in args.skips for skip in read_skips(path)])
    if args.ctypes_standin:
        ctypes_standin.install(search_path=args.rootdir)
    # WASI has no dup(): capture at the sys level; faulthandler cannot watch a duplicated stderr.
    pytest_args = ["-q", "-p", "no:cacheprovider", "-p", "no:faulthandler", "--capture=sys", "--continue-on-collection-errors", "--basetemp", "/tmp/pytest-basetemp", "-o", "addopts=", "--tb=line", "-W", "ignore::pytest.PytestUnraisableExceptionWarning"]
    for nodeid in args.deselect:
        pytest_args += ["--deselect", nodeid]
    for path in args.ignore:
        pytest_args += ["--ignore", path]
    plugins = [recorder]
    if args.ctypes_standin:
        plugins.append(ctypes_standin.PLUGIN)
    if args.rootdir:
        pytest_args += ["--rootdir", args.rootdir]
    code = pytest.main(pytest_args + extra + args.paths, plugins=plugins)
    # 1: some tests failed; 5: nothing left to run (every module skipped). Both are results, not crashes.
    return 0 if code in (0, 1, 5) else int(code)


if __name__ == "__main__":
    sys.exit(main())
