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
from wasi_pystack_host import LINK_REFUSED, OutputQuotaExceeded, Sandbox, SandboxLimitExceeded, _OutputReader  # noqa: E402

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

    def test_collects_regular_files_in_folders(self):
        with open(self.inside("metadata", "a.json"), "w") as f:
            f.write('{"a": 1}')
        os.mkdir(self.inside("subcontent", "part"))
        with open(self.inside("subcontent", "part", "b.bin"), "wb") as f:
            f.write(b"\0\1\2")
        self.assertEqual(self.sandbox.collect(), {"metadata": {"a.json": '{"a": 1}'}, "subcontent": {"part/b.bin": b"\0\1\2"}, "refused": []})

    def test_refuses_links_hard_links_and_fifos_with_the_reason_and_reads_the_rest(self):
        with open(self.inside("metadata", "ok.txt"), "w") as f:
            f.write("fine")
        os.symlink(self.secret, self.inside("metadata", "leak"))
        os.symlink(self.host, self.inside("subcontent", "host"))
        with open(self.inside("subcontent", "a"), "w") as f:
            f.write("x")
        os.link(self.inside("subcontent", "a"), self.inside("data-again"))
        os.mkfifo(self.inside("subcontent", "pipe"))
        self.assertEqual(self.sandbox.collect(), {
            "metadata": {"ok.txt": "fine"},
            "subcontent": {},
            "refused": [
                {"path": "/metadata/leak", "reason": LINK_REFUSED},
                {"path": "/subcontent/a", "reason": "a file with 2 names (hard links): not read (another name could be outside the outputs)"},
                {"path": "/subcontent/host", "reason": LINK_REFUSED},
                {"path": "/subcontent/pipe", "reason": "a fifo: only regular files are read"},
            ],
        })

    def test_refuses_an_output_folder_replaced_by_a_link(self):
        os.rmdir(self.inside("metadata"))
        os.symlink(self.host, self.inside("metadata"))
        self.assertEqual(self.sandbox.collect()["refused"], [{"path": "/metadata", "reason": "a symbolic link where the host made a folder: not read"}])

    def test_a_link_swapped_in_after_the_check_is_refused_by_the_open_itself(self):
        # The guest is never running while the host reads; this stands for a swap between lstat and open.
        path = self.inside("metadata", "swap")
        with open(path, "w") as f:
            f.write("x")
        seen = os.lstat(path)
        os.remove(path)
        os.symlink(self.secret, path)
        reader = _OutputReader(self.sandbox.path, 1 << 20, 10)
        self.assertIsNone(reader.read_file(path, "/metadata/swap", seen))
        self.assertEqual(reader.refused, [{"path": "/metadata/swap", "reason": LINK_REFUSED}])

    def test_ends_past_the_output_quota(self):
        for i in range(3):
            with open(self.inside("subcontent", f"f{i}"), "wb") as f:
                f.write(b"\0" * 1000)
        with self.assertRaises(OutputQuotaExceeded) as caught:
            self.sandbox.collect(max_output_files=2)
        self.assertEqual(str(caught.exception), "the outputs hold more than 2 files (output quota max_output_files)")
        with self.assertRaises(OutputQuotaExceeded):
            self.sandbox.collect(max_output_bytes=2500)
        self.assertEqual(len(self.sandbox.collect(max_output_bytes=3000, max_output_files=3)["subcontent"]), 3)

    def test_measures_bytes_and_entries_against_its_limits(self):
        self.assertIsNone(self.sandbox.violation())
        with open(self.inside("big"), "wb") as f:
            f.write(b"\0" * ((1 << 20) + 1))
        self.assertEqual(self.sandbox.violation(), "the sandbox holds more than 1 MiB (limit sandbox_max_bytes)")
        with self.assertRaises(SandboxLimitExceeded):
            self.sandbox.collect()
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
