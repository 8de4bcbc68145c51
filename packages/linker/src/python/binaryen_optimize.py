"""Native wasm-opt: binaryen's optimizer through its C library (libbinaryen), on every core.

The JavaScript build of binaryen (npm) optimizes on one thread; the same passes in the native library
run function-parallel. Called by the linker's wasm-opt.ts (stdlib only: ctypes and zipfile):

  binaryen_optimize.py extract WHEEL OUT_DIR
      unpacks the library (lib/libbinaryen.so) from the pinned wheel into OUT_DIR.
  binaryen_optimize.py optimize LIBRARY INPUT OUTPUT OPTIMIZE_LEVEL SHRINK_LEVEL FEATURE...
      reads INPUT, enables exactly FEATURE... (binaryen's names, e.g. SIMD128), validates, runs the
      default optimization passes of OPTIMIZE_LEVEL/SHRINK_LEVEL (what wasm-opt -O2 runs for 2/0),
      writes OUTPUT.
"""
import ctypes
import os
import sys
import zipfile

LIBRARY_IN_WHEEL = "icpp_binaryen/lib/libbinaryen.so"


def extract(wheel, out_dir):
    with zipfile.ZipFile(wheel) as archive:
        data = archive.read(LIBRARY_IN_WHEEL)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "libbinaryen.so"), "wb") as f:
        f.write(data)


class WriteResult(ctypes.Structure):
    _fields_ = [("binary", ctypes.c_void_p), ("binary_bytes", ctypes.c_size_t), ("source_map", ctypes.c_void_p)]


def optimize(library, source, target, optimize_level, shrink_level, features):
    lib = ctypes.CDLL(library)
    lib.BinaryenModuleRead.restype = ctypes.c_void_p
    lib.BinaryenModuleRead.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    lib.BinaryenModuleSetFeatures.argtypes = [ctypes.c_void_p, ctypes.c_uint32]
    lib.BinaryenModuleValidate.argtypes = [ctypes.c_void_p]
    lib.BinaryenModuleValidate.restype = ctypes.c_bool
    lib.BinaryenModuleOptimize.argtypes = [ctypes.c_void_p]
    lib.BinaryenModuleAllocateAndWrite.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    lib.BinaryenModuleAllocateAndWrite.restype = WriteResult
    lib.BinaryenModuleDispose.argtypes = [ctypes.c_void_p]
    mask = 0
    for name in features:
        feature = getattr(lib, "BinaryenFeature" + name)
        feature.restype = ctypes.c_uint32
        mask |= feature()
    with open(source, "rb") as f:
        data = f.read()
    module = lib.BinaryenModuleRead(data, len(data))
    if not module:
        sys.exit(f"binaryen cannot read {source}")
    lib.BinaryenModuleSetFeatures(module, mask)
    if not lib.BinaryenModuleValidate(module):
        sys.exit(f"{source} is not valid with the features {' '.join(features)} (binaryen's report above)")
    lib.BinaryenSetOptimizeLevel(optimize_level)
    lib.BinaryenSetShrinkLevel(shrink_level)
    lib.BinaryenModuleOptimize(module)
    result = lib.BinaryenModuleAllocateAndWrite(module, None)
    with open(target, "wb") as f:
        f.write(ctypes.string_at(result.binary, result.binary_bytes))
    lib.BinaryenModuleDispose(module)


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "extract":
        extract(*args)
    elif command == "optimize":
        optimize(args[0], args[1], args[2], int(args[3]), int(args[4]), args[5:])
    else:
        sys.exit(f"unknown command {command}")
