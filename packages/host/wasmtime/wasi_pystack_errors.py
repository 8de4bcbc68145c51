"""How a run of wasi_pystack_host ends when it does not return: `reason` is a string a caller can
switch on, str() says what happened, `details` is wasmtime's whole text where there is one."""


class RunError(Exception):
    """A run that did not return; `reason` says how, str(e) says what, `details` is wasmtime's text."""
    reason = "trap"

    def __init__(self, message, details=""):
        super().__init__(message)
        self.details = details

    def as_dict(self):
        return {"reason": self.reason, "message": str(self)}


class DeadlineExceeded(RunError):
    reason = "deadline"


class FuelExhausted(RunError):
    reason = "fuel"


class MemoryCapError(RunError):
    reason = "memory-cap"


class Trap(RunError):
    reason = "trap"


class SandboxLimitExceeded(RunError):
    reason = "sandbox-limit"


class OutputQuotaExceeded(RunError):
    reason = "output-quota"


class HostFailure(RunError):
    """The host itself failed around a run (preparing the sandbox, reading the outputs)."""
    reason = "host"


class GuestExit(RunError):
    reason = "exit"

    def __init__(self, code):
        super().__init__(f"the guest exited with code {code} inside a call")
        self.code = code
