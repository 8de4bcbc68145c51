"""process() runs the input (/data.bin) as a Python program and returns what it leaves in `rc`
(0 when it sets none). A test project only: it stands for a guest that an attacker controls
entirely, which is what a host must assume of any module it runs on untrusted files."""


def main():
    with open("/data.bin", "rb") as f:
        program = f.read()
    scope = {"__name__": "__guest__", "rc": 0}
    exec(compile(program, "/data.bin", "exec"), scope)
    return int(scope["rc"])
