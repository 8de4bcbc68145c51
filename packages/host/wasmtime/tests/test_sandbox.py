"""The wasmtime host's Sandbox on its own, with what a guest could leave in it made directly on the
host (links, hard links, fifos, floods); the same cases as packages/host/src/sandbox.test.ts.
Run: python -m unittest discover packages/host/wasmtime/tests (the vitest suite runs it)."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from wasi_pystack_host import Sandbox, SandboxLimitExceeded, UnsafeOutput  # noqa: E402

LINK_REFUSED = ": only regular files and folders are collected from /metadata and /subcontent, and the host never follows a link the guest made"


class SandboxTest(unittest.TestCase):
    def setUp(self):
        self.host = tempfile.mkdtemp(prefix="sandbox-test-host-")
        self.secret = os.path.join(self.host, "secret.txt")
        with open(self.secret, "w") as f:
            f.write("host secret")
        self.input = os.path.join(self.host, "input.bin")
        with open(self.input, "w") as f:
            f.write("input")
        self.sandbox = Sandbox(os.path.join(self.host, "sandboxes"), max_bytes=1 << 20, max_entries=50)
        self.sandbox.prepare(self.input)

    def tearDown(self):
        subprocess.run(["rm", "-rf", self.host], check=True)

    def inside(self, *parts):
        return os.path.join(self.sandbox.path, *parts)

    def refused(self, error=UnsafeOutput):
        with self.assertRaises(error) as caught:
            self.sandbox.collect()
        return str(caught.exception)

    def test_collects_regular_files_in_folders(self):
        with open(self.inside("metadata", "a.json"), "w") as f:
            f.write('{"a": 1}')
        os.mkdir(self.inside("subcontent", "part"))
        with open(self.inside("subcontent", "part", "b.bin"), "wb") as f:
            f.write(b"\0\1\2")
        self.assertEqual(self.sandbox.collect(), {"metadata": {"a.json": '{"a": 1}'}, "subcontent": {"part/b.bin": b"\0\1\2"}})

    def test_refuses_links_without_reading_through_them(self):
        os.symlink(self.secret, self.inside("metadata", "leak"))
        self.assertEqual(self.refused(), "/metadata/leak is a symbolic link" + LINK_REFUSED)
        os.remove(self.inside("metadata", "leak"))
        os.symlink(self.host, self.inside("subcontent", "host"))
        self.assertEqual(self.refused(), "/subcontent/host is a symbolic link" + LINK_REFUSED)
        os.remove(self.inside("subcontent", "host"))
        os.rmdir(self.inside("metadata"))
        os.symlink(self.host, self.inside("metadata"))
        self.assertEqual(self.refused(), "/metadata is a symbolic link" + LINK_REFUSED)

    def test_refuses_a_file_with_a_second_name(self):
        with open(self.inside("metadata", "a"), "w") as f:
            f.write("x")
        os.link(self.inside("metadata", "a"), self.inside("data-again"))
        self.assertEqual(self.refused(), "/metadata/a has 2 names (hard links): only files with one name are collected from /metadata and /subcontent")

    def test_refuses_a_fifo_without_waiting_for_a_writer(self):
        os.mkfifo(self.inside("subcontent", "pipe"))
        self.assertTrue(self.refused().startswith("/subcontent/pipe is a fifo: "))

    def test_measures_bytes_and_entries_against_its_limits(self):
        self.assertIsNone(self.sandbox.violation())
        with open(self.inside("big"), "wb") as f:
            f.write(b"\0" * ((1 << 20) + 1))
        self.assertEqual(self.sandbox.violation(), "the sandbox holds more than 1 MiB (limit sandbox_max_bytes)")
        self.refused(SandboxLimitExceeded)
        os.remove(self.inside("big"))
        for i in range(60):
            open(self.inside("metadata", f"f{i}"), "w").close()
        self.assertEqual(self.sandbox.violation(), "the sandbox holds more than 50 files and folders (limit sandbox_max_entries)")

    def test_prepare_replaces_what_the_guest_left_without_writing_through_it(self):
        target = os.path.join(self.host, "target.txt")
        with open(target, "w") as f:
            f.write("unchanged")
        os.remove(self.inside("data.bin"))
        os.symlink(target, self.inside("data.bin"))
        os.rmdir(self.inside("subcontent"))
        os.symlink(self.host, self.inside("subcontent"))
        os.link(target, self.inside("hard"))
        with open(self.input, "w") as f:
            f.write("next input")
        self.sandbox.prepare(self.input)
        with open(target) as f:
            self.assertEqual(f.read(), "unchanged")
        self.assertEqual(sorted(os.listdir(self.host)), ["input.bin", "sandboxes", "secret.txt", "target.txt"])
        self.assertEqual(sorted(os.listdir(self.sandbox.path)), ["data.bin", "metadata", "subcontent"])
        with open(self.inside("data.bin")) as f:
            self.assertEqual(f.read(), "next input")

    def test_remove_deletes_trees_deeper_than_a_path_can_name(self):
        here = os.getcwd()
        try:
            os.chdir(self.sandbox.path)
            for _ in range(1200):  # deeper than the interpreter's recursion, 7 KB of path
                os.mkdir("dddddd")
                os.chdir("dddddd")
        finally:
            os.chdir(here)
        self.sandbox.remove()
        self.assertFalse(os.path.exists(self.sandbox.path))


if __name__ == "__main__":
    unittest.main()
