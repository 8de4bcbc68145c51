"""The compiler and linker a PEP 517 build sees when core's setuptools builder cross-builds it.

Run by the native build Python as CC, CXX, LDSHARED and LDCXXSHARED: `cross_compiler.py cc|c++ ARGS`.
Its settings come from the JSON file named by WASI_PYSTACK_CROSS (see builders/setuptools.ts):

- a compile (`-c`) runs the wasm32-wasip1 compiler with the build's own flags, minus what belongs to
  the native build Python (its include folders, -fPIC, -g, -O), plus the target's headers and the
  step's flags; beside each object it writes `<object>.cross.json`, the command, for a later rename;
- a shared-library link (`-shared`) links nothing: a wasm module is linked once, statically, by the
  linker step. The output file becomes a record of what the extension is made of (its objects, its
  -l and -L arguments, whether C++ linked it), read back by the builder from the built wheel;
- any other link (a configure check linking a test program) runs the wasm32-wasip1 compiler as is.
"""
import json
import os
import subprocess
import sys
import sysconfig

RECORD_FORMAT = "wasi-pystack-extension-record/1"


def settings():
    with open(os.environ["WASI_PYSTACK_CROSS"], encoding="utf-8") as f:
        return json.load(f)


def native_include_dirs():
    paths = sysconfig.get_paths()
    return {os.path.realpath(p) for p in (paths["include"], paths["platinclude"]) if p}


def dropped(arg, native):
    if arg in ("-fPIC", "-fpic", "-g", "-pthread") or arg.startswith("-O") or arg.startswith("-march=") or arg.startswith("-mtune="):
        return True
    return arg.startswith("-I") and os.path.realpath(arg[2:]) in native


def compile_args(args, native):
    """The build's arguments without the native Python's; `-I dir` is joined first."""
    joined = []
    i = 0
    while i < len(args):
        if args[i] == "-I" and i + 1 < len(args):
            joined.append("-I" + args[i + 1])
            i += 2
        else:
            joined.append(args[i])
            i += 1
    return [a for a in joined if not dropped(a, native)]


def output_of(args):
    for i, a in enumerate(args):
        if a == "-o" and i + 1 < len(args):
            return args[i + 1]
    return None


def main(argv):
    lang, args = argv[1], argv[2:]
    conf = settings()
    compiler = conf["cxx"] if lang == "c++" else conf["cc"]
    if "-c" in args:
        command = [compiler, *conf["flags"], *compile_args(args, native_include_dirs()), *("-I" + d for d in conf["includeDirs"])]
        code = subprocess.call(command)
        out = output_of(args)
        if code == 0 and out:
            with open(out + ".cross.json", "w", encoding="utf-8") as f:
                json.dump({"argv": command, "cwd": os.getcwd(), "lang": lang}, f)
        return code
    if "-shared" in args:
        out = output_of(args)
        if not out:
            sys.stderr.write("cross_compiler.py: a shared link without -o\n")
            return 2
        objects = [os.path.abspath(a) for a in args if a.endswith((".o", ".obj"))]
        archives = [os.path.abspath(a) for a in args if a.endswith(".a")]
        libs = [a[2:] for a in args if a.startswith("-l")]
        lib_dirs = [os.path.abspath(a[2:]) for a in args if a.startswith("-L")]
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        with open(out, "w", encoding="utf-8") as f:
            json.dump({"format": RECORD_FORMAT, "objects": objects, "archives": archives, "libs": libs, "libDirs": lib_dirs, "cxx": lang == "c++"}, f)
        return 0
    return subprocess.call([compiler, *conf["flags"], *compile_args(args, native_include_dirs())])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
