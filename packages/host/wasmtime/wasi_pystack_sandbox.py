"""The folder that is a reactor's "/" for process() (the toolchain's reactor protocol): the host
writes /data.bin, the guest writes /metadata and /subcontent. Everything the guest left in it is
hostile to the host, so the host never follows a link in it, never writes over a name the guest
could have made, reads back regular files with one name only (anything else is listed in
"refused"), within an output quota, and measures it while the guest runs (Sandbox.violation)."""
import errno
import os
import shutil
import stat
import subprocess
import tempfile

from wasi_pystack_errors import OutputQuotaExceeded, SandboxLimitExceeded

DEFAULT_SANDBOX_MAX_BYTES = 1 << 30
DEFAULT_SANDBOX_MAX_ENTRIES = 10_000
DEFAULT_MAX_OUTPUT_BYTES = 64 << 20  # the output quota: what the host reads back per input
DEFAULT_MAX_OUTPUT_FILES = 1_000
MAX_SANDBOX_DEPTH = 64  # deeper folders are a flood too: their paths outgrow what file calls take
TOO_LONG = "the sandbox has a path longer than the host can name"  # it would hide what is below it
OUTPUT_FOLDERS = ("metadata", "subcontent")
PATH_MAX = 4096  # Linux's: a longer path cannot be named to the host's file calls
_NOT_A_FOLDER = object()
_DIR_NO_FOLLOW = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
_OPEN_NO_FOLLOW = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
_CREATE_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)


def _in_folder(dir_fd, name, use):
    """use(fd) on folder `name` (beneath dir_fd) opened without following a link; returns what it
    returns, _NOT_A_FOLDER when `name` is a link or no folder (never followed), or None when it is
    gone (the guest removed it)."""
    try:
        fd = os.open(name, _DIR_NO_FOLLOW, dir_fd=dir_fd)
    except FileNotFoundError:
        return None
    except OSError as e:
        if e.errno in (errno.ELOOP, errno.ENOTDIR):
            return _NOT_A_FOLDER
        raise
    try:
        return use(fd)
    finally:
        os.close(fd)


def _mib(size):
    return f"{size / 2**20:.1f}".rstrip("0").rstrip(".") + " MiB"


def _kind(mode):
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a fifo"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _remove_tree(path):
    """rm -r without following links (shutil.rmtree works from file descriptors where it can);
    rm(1) finishes what it cannot (a tree nested deeper than its recursion)."""
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)
    except FileNotFoundError:
        pass
    except (OSError, RecursionError):
        subprocess.run(["rm", "-rf", "--", path], check=True)


class Sandbox:
    """A private folder (mode 0700, under `root` or the temp folder) that is a reactor's "/": the
    host writes /data.bin, the guest writes /metadata and /subcontent. Use as a context manager
    (or call remove()). max_bytes and max_entries bound what it may hold, the input included."""

    def __init__(self, root=None, max_bytes=DEFAULT_SANDBOX_MAX_BYTES, max_entries=DEFAULT_SANDBOX_MAX_ENTRIES):
        if root is not None:
            os.makedirs(root, exist_ok=True)
        self.path = tempfile.mkdtemp(prefix="wasi-pystack-sandbox-", dir=root)
        self.max_bytes, self.max_entries = max_bytes, max_entries

    def prepare(self, input_path):
        """Removes everything a previous run left (links removed, never followed), then writes the
        input as /data.bin and makes empty /metadata and /subcontent, each new."""
        for name in os.listdir(self.path):
            _remove_tree(os.path.join(self.path, name))
        with open(input_path, "rb") as src, os.fdopen(os.open(os.path.join(self.path, "data.bin"), _CREATE_NEW, 0o600), "wb") as dst:
            shutil.copyfileobj(src, dst)
        for sub in OUTPUT_FOLDERS:
            os.mkdir(os.path.join(self.path, sub))

    def violation(self):
        """What breaks the limits now (bytes, entries, depth, a path the host could not name), or
        None; stops at the first excess. Walks beneath held folder descriptors (the guest runs
        meanwhile: a folder it swaps for a link is not followed, only skipped)."""
        count = {"entries": 0, "bytes": 0}

        def visit(fd, path, depth):
            try:
                listing = list(os.scandir(fd))
            except OSError:
                return None
            for entry in listing:
                count["entries"] += 1
                if count["entries"] > self.max_entries:
                    return f"the sandbox holds more than {self.max_entries} files and folders (limit sandbox_max_entries)"
                if len(os.fsencode(path)) + 1 + len(os.fsencode(entry.name)) >= PATH_MAX:
                    return TOO_LONG
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError:  # removed while we looked
                    continue
                count["bytes"] += max(st.st_size, getattr(st, "st_blocks", 0) * 512)
                if count["bytes"] > self.max_bytes:
                    return f"the sandbox holds more than {_mib(self.max_bytes)} (limit sandbox_max_bytes)"
                if stat.S_ISDIR(st.st_mode):
                    if depth + 1 >= MAX_SANDBOX_DEPTH:
                        return f"the sandbox has folders nested more than {MAX_SANDBOX_DEPTH} deep"
                    why = _in_folder(fd, entry.name, lambda child: visit(child, f"{path}/{entry.name}", depth + 1))
                    if why is not None and why is not _NOT_A_FOLDER:  # a folder swapped for a link: skipped
                        return why
            return None

        return _in_folder(None, self.path, lambda root: visit(root, self.path, 0))

    def collect(self, max_output_bytes=DEFAULT_MAX_OUTPUT_BYTES, max_output_files=DEFAULT_MAX_OUTPUT_FILES):
        """{"metadata": {name: text}, "subcontent": {name: bytes}, "refused": [{"path", "reason"}]}.
        What is not a regular file with one name or a folder is refused (listed, never followed or
        read). Raises SandboxLimitExceeded when over the limits, OutputQuotaExceeded past the output
        quota (having read at most the quota)."""
        over = self.violation()
        if over is not None:
            raise SandboxLimitExceeded(over)
        reader = _OutputReader(self.path, max_output_bytes, max_output_files)
        metadata, subcontent = (reader.read_folder(sub) for sub in OUTPUT_FOLDERS)
        return {"metadata": {name: data.decode("utf-8", "replace") for name, data in metadata.items()},
                "subcontent": subcontent, "refused": reader.refused}

    def remove(self):
        _remove_tree(self.path)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()



LINK_REFUSED = "a symbolic link: not followed (it could point at a host file)"


def _refusal(st):
    if stat.S_ISLNK(st.st_mode):
        return LINK_REFUSED
    if stat.S_ISREG(st.st_mode):
        return f"a file with {st.st_nlink} names (hard links): not read (another name could be outside the outputs)"
    return f"{_kind(st.st_mode)}: only regular files are read"


class _OutputReader:
    """Reads the output folders of one sandbox beneath held folder descriptors, counting against one quota."""

    def __init__(self, root, max_bytes, max_files):
        self.root, self.max_bytes, self.max_files = root, max_bytes, max_files
        self.refused, self.files, self.bytes = [], 0, 0

    def read_folder(self, folder):
        out = {}

        def walk(dir_fd, name, relative, depth):
            path = f"/{folder}/{relative}" if relative else f"/{folder}"
            try:
                st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
            except FileNotFoundError:
                return  # the guest removed it: no outputs there
            if not stat.S_ISDIR(st.st_mode):
                if not relative:
                    self.refused.append({"path": path, "reason": f"{_kind(st.st_mode)} where the host made a folder: not read"})
                    return
                data = self.read_file(name, path, st, dir_fd)
                if data is not None:
                    out[relative] = data
                return
            if depth >= MAX_SANDBOX_DEPTH:
                self.refused.append({"path": path, "reason": f"a folder nested more than {MAX_SANDBOX_DEPTH} deep: not read"})
                return

            def each(fd):
                for child in sorted(os.listdir(fd)):
                    walk(fd, child, f"{relative}/{child}" if relative else child, depth + 1)

            if _in_folder(dir_fd, name, each) is _NOT_A_FOLDER:
                self.refused.append({"path": path, "reason": LINK_REFUSED})

        _in_folder(None, self.root, lambda root: walk(root, folder, "", 0))
        return out

    def read_file(self, name, path, seen, dir_fd=None):
        """A regular file with one name, opened without following a link (a link swapped in after
        the lstat is refused by the open itself) and checked again on the open descriptor."""
        if not stat.S_ISREG(seen.st_mode):
            self.refused.append({"path": path, "reason": _refusal(seen)})
            return None
        try:
            fd = os.open(name, _OPEN_NO_FOLLOW, dir_fd=dir_fd)
        except OSError as e:
            if e.errno == errno.ELOOP:
                self.refused.append({"path": path, "reason": LINK_REFUSED})
                return None
            raise
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_nlink > 1:
                self.refused.append({"path": path, "reason": _refusal(st)})
                return None
            self.files += 1
            if self.files > self.max_files:
                raise OutputQuotaExceeded(f"the outputs hold more than {self.max_files} files (output quota max_output_files)")
            if self.bytes + st.st_size > self.max_bytes:
                raise OutputQuotaExceeded(f"the outputs hold more than {_mib(self.max_bytes)} (output quota max_output_bytes)")
            data = f.read(st.st_size)
            self.bytes += len(data)
            return data
