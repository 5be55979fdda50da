"""The one exception type that a user's input can raise, reported as a single line; the
one-line wording of a fault of the machine (disk full, permission denied); the exit statuses.

Exit status 2 is bad input (the person can fix the command or the file), 1 a fault of the
environment (the same command may work on another day or machine).
"""

import argparse
import errno
import sys

EXIT_BAD_INPUT = 2
EXIT_ENVIRONMENT = 1


class ConfigError(ValueError):
    """Bad user input: names the field (a dotted config path) and the bad value.

    The command-line entry point prints ``str(error)`` on one line of stderr and exits
    non-zero, without a traceback.
    """

    def __init__(self, field: str, value: object, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(one_line(f"{field}: {reason} (got {value!r})"))


LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")  # where str.splitlines() breaks


def one_line(text: str) -> str:
    """``text`` with its line breaks escaped (``\\r``): a key or value taken from a file may
    hold one, and the message must stay one line."""
    return "".join(repr(char)[1:-1] if char in LINE_BREAKS else char for char in text)


def describe_os_error(error: OSError) -> str:
    """One line for an operating-system error: the path (or paths) and the cause, e.g.
    ``/runs/x/outcomes.parquet.partial: No space left on device``."""
    cause = error.strerror or (errno.errorcode.get(error.errno, "") if error.errno else "")
    if not cause:
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        cause = lines[0] if lines else type(error).__name__
    paths = [str(p) for p in (error.filename, error.filename2) if p is not None]
    return f"{' -> '.join(paths)}: {cause}" if paths else cause


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr, exit status 2, like every other bad
    input (argparse's own prints the usage first)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        prog = self.prog.split()[0]  # a subcommand's parser is "prog subcommand"
        print(f"{prog}: error: {message} (see {prog} --help)", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)
