"""Reading a scenario file: plain data, and nothing that could run, reach out or blow up.

A scenario is shared between colleagues, so a file is read as data only, by one function
(:func:`load`) that every reader uses: ``negsim scenario_file=...``, the ``scenario`` config
group (:mod:`hydra_plugins.negsim_scenarios`), ``negsim-scenarios show``. It refuses, with one
line naming the file (and the line where there is one):

- a path that is not a regular file (a directory, a device, a pipe), a file name that is
  not valid UTF-8, a file larger than ``NEGSIM_MAX_SCENARIO_BYTES`` (:mod:`sim.limits`),
  contents that are not UTF-8 text;
- YAML anchors and aliases (``&a``, ``*a``, ``<<: *a``): a 1 kB file of nested aliases
  expands to gigabytes (the "billion laughs"); a scenario has no need of them;
- a key given twice in one mapping (YAML would silently keep the last one);
- ``${...}`` anywhere, key or value: OmegaConf would resolve it when the config is composed
  (``${oc.env:HOME}`` copies an environment variable into ``summary.json`` and ``.hydra/``).
  Interpolation stays available on the command line, which is the user's own.

Scalars are read as Hydra reads config files (OmegaConf's YAML loader: ``1e-3`` is a number,
a date stays text), so that every reader sees the same data.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import yaml
from omegaconf._utils import get_yaml_loader

from sim import limits
from sim.errors import ConfigError

INTERPOLATION = "${"
INTEGER = "tag:yaml.org,2002:int"


class ScenarioFileError(ConfigError):
    """A scenario file that cannot be read as a scenario: names the file and the reason."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__("scenario_file", str(path), reason)
        self.path = str(path)

    def __str__(self) -> str:
        return f"{self.field}: {self.path}: {self.reason}"


class _Loader(get_yaml_loader()):  # OmegaConf's loader: scalars typed as in conf/ files
    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(event.start_mark, f"YAML alias *{event.anchor}: aliases and anchors are not allowed in a scenario file")
        if getattr(event, "anchor", None) is not None:
            raise _Refused(event.start_mark, f"YAML anchor &{event.anchor}: aliases and anchors are not allowed in a scenario file")
        return super().compose_node(parent, index)


class _Refused(Exception):
    def __init__(self, mark, reason: str) -> None:
        super().__init__(reason)
        self.mark, self.reason = mark, reason


def read_text(path: Path) -> str:
    """The file's text, after the checks on the path, its size and its encoding."""
    shown = os.fsdecode(path)
    try:
        shown.encode("utf-8")
    except UnicodeEncodeError:
        raise ScenarioFileError(shown.encode("utf-8", "surrogateescape").decode("utf-8", "replace"), "the file name is not valid UTF-8; rename the file") from None
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ScenarioFileError(shown, "no such file") from None
    except OSError as error:
        raise ScenarioFileError(shown, f"cannot be read ({error.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise ScenarioFileError(shown, "is a directory, not a scenario file")
    if not stat.S_ISREG(info.st_mode):
        raise ScenarioFileError(shown, "is not a regular file (a device, a pipe or a socket), not a scenario file")
    _check_size(shown, info.st_size)
    try:
        with open(path, "rb") as handle:
            data = handle.read(limits.SCENARIO_BYTES.value() + 1)  # it may have grown since
    except OSError as error:
        raise ScenarioFileError(shown, f"cannot be read ({error.strerror})") from None
    _check_size(shown, len(data))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ScenarioFileError(shown, f"not UTF-8 text (line {line}, byte {error.start})") from None


def _check_size(shown: str, size: int) -> None:
    try:
        limits.SCENARIO_BYTES.check("scenario_file", size)
    except ConfigError as error:
        if error.field != "scenario_file":
            raise  # the bound's own variable is malformed
        raise ScenarioFileError(shown, f"{error.reason} (got {size:,} bytes)") from None


def parse(text: str, shown: str) -> object:
    """The plain data of a scenario file's text (see the module docstring for what is refused)."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            _check(node, shown)
        return loader.construct_document(node) if node is not None else None
    except _Refused as refused:
        raise ScenarioFileError(shown, f"line {refused.mark.line + 1}: {refused.reason}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None)
        raise ScenarioFileError(shown, f"not valid YAML{where}" + (f": {problem}" if problem else "")) from None
    finally:
        loader.dispose()


def _check(root: yaml.Node, shown: str) -> None:
    """Duplicate keys and interpolations, with their lines (iteratively: no recursion limit)."""
    stack = [(root, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            digits, most = sum(char.isdigit() for char in str(node.value)), sys.get_int_max_str_digits()
            if node.tag == INTEGER and most and digits > most:  # Python refuses to read it (ValueError)
                raise _Refused(node.start_mark, f"{path or 'the file'}: an integer of {digits:,} digits (at most {most:,})")
            if INTERPOLATION in str(node.value):
                raise _Refused(
                    node.start_mark,
                    f"{path or 'the file'}: '${{...}}' interpolation is not allowed in a scenario file (a scenario is data; got {node.value!r})",
                )
        elif isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key, value in node.value:
                name = str(key.value) if isinstance(key, yaml.ScalarNode) else "?"
                if isinstance(key, yaml.ScalarNode) and name in seen:
                    raise _Refused(key.start_mark, f"duplicate key {_join(path, name)!r} (first given at line {seen[name]})")
                seen[name] = key.start_mark.line + 1
                stack += [(value, _join(path, name)), (key, _join(path, name))]
        elif isinstance(node, yaml.SequenceNode):
            stack += [(child, f"{path}[{i}]") for i, child in enumerate(node.value)]


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def load(path: Path) -> object:
    """A scenario file's plain data (:func:`read_text`, then :func:`parse`)."""
    return parse(read_text(path), os.fsdecode(path))
