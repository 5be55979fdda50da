"""The one exception type that a user's input can raise, reported as a single line."""


class ConfigError(ValueError):
    """Bad user input: names the field (a dotted config path) and the bad value.

    The command-line entry point prints ``str(error)`` on one line of stderr and exits
    non-zero, without a traceback.
    """

    def __init__(self, field: str, value: object, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"{field}: {reason} (got {value!r})")
