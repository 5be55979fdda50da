"""Hydra config machinery shared by the entry points (``negsim``, the analysis commands, the
transcript) and :mod:`sim.api`: composing ``conf/``, turning a composed config into validated
objects (:func:`build`), and the checks of a command line made before Hydra starts a job.

Kept apart from the ``negsim`` command itself (:mod:`sim.app`) so that code which only needs
a config (the Python API, the analysis commands) does not import an application; importing
this module registers the structured config (``negsim_schema``) that ``conf/config.yaml`` uses.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import difflib
import itertools
import math
import re
from pathlib import Path

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim import limits, scenario_file
from sim.bundled import conf_dir
from sim.config import PriorConf, register_configs
from sim.errors import ConfigError
from sim.montecarlo import MonteCarlo, config_hash
from sim.parameters import parameter_of
from sim.protocols import Protocol, check_protocol_fits, protocol_from_dict
from sim.scenario import Scenario, check_size, scenario_from_dict

CONF_DIR = str(conf_dir())  # the checkout's conf/, or an installed wheel's copy (sim.bundled)
SCHEME = "negsim-scenarios"
register_configs()

FLAGS_WITH_VALUE = {"--cfg", "-c", "--package", "-p", "--config-path", "-cp", "--config-name", "-cn", "--config-dir", "-cd", "--experimental-rerun"}
FLAGS_WITHOUT_CHECK = {"--help", "-h", "--hydra-help", "--info", "-i", "--shell-completion", "-sc", "--version"}


@contextlib.contextmanager
def hydra_context(job_name: str = "negsim"):
    """Hydra's compose API initialised on ``conf/`` (the one place that names it)."""
    from hydra import initialize_config_dir

    with initialize_config_dir(version_base="1.3", config_dir=CONF_DIR, job_name=job_name):
        yield


def compose_config(overrides: list[str], return_hydra_config: bool = False) -> DictConfig:
    """``conf/config.yaml`` with ``overrides``, inside :func:`hydra_context`."""
    from hydra import compose

    return compose(config_name="config", overrides=list(overrides), return_hydra_config=return_hydra_config)


def build(cfg: DictConfig) -> tuple[Scenario, Protocol, str, MonteCarlo, dict]:
    """Turn a composed config into validated objects (raises :class:`ConfigError`)."""
    try:
        container = {  # without ``hydra``, whose sweep fields cannot be resolved outside a sweep
            key: OmegaConf.to_container(node, resolve=True, throw_on_missing=False) if OmegaConf.is_config(node) else node
            for key, node in cfg.items_ex(resolve=True)
            if key != "hydra"
        }
    except OmegaConfBaseException as error:  # an interpolation given on the command line
        key = getattr(error, "full_key", None) or ""
        raw = _lookup(OmegaConf.to_container(cfg, resolve=False), key) if key else None
        raise ConfigError(key or "config", raw, first_line(error)) from None
    scenario = scenario_from_dict(container["scenario"])
    protocol = protocol_from_dict(container["protocol"])
    check_protocol_fits(scenario, protocol)
    mc = MonteCarlo(**container["mc"])
    engine = container["engine"]["name"]
    if engine not in ("batch", "mesa"):
        raise ConfigError("engine.name", engine, "unknown engine; use 'batch' or 'mesa'")
    return scenario, protocol, engine, mc, container


# --- command-line checks before Hydra runs ---------------------------------------------------
def expand_scenario_file(args: list[str]) -> list[str]:
    """``scenario_file=PATH`` becomes ``scenario=<stem>`` from a search path holding PATH."""
    out = []
    for arg in args:
        if not arg.startswith("scenario_file="):
            out.append(arg)
            continue
        path = Path(arg.split("=", 1)[1]).expanduser()
        data = scenario_file.load(path)
        if not isinstance(data, dict):
            raise ConfigError("scenario_file", str(path), "must hold a YAML mapping (a scenario)")
        check_size(data)  # before Hydra composes it
        if data.get("name") != path.stem:
            raise ConfigError("scenario.name", data.get("name"), f"must equal the file name without .yaml ({path.stem!r})")
        from hydra_plugins.negsim_scenarios import BUNDLED

        if (BUNDLED / f"{path.stem}.yaml").exists() and (BUNDLED / f"{path.stem}.yaml").resolve() != path.resolve():
            raise ConfigError("scenario_file", str(path), "its name clashes with a bundled scenario; rename the file")
        file, stem = quoted(str(path.resolve())), quoted(path.stem)
        out += [f"scenario_file={file}", f"scenario={stem}", f"hydra.searchpath=[{quoted(f'{SCHEME}://{path.resolve()}')}]"]
    return out


def expand_command_line(args: list[str]) -> list[str]:
    """A command line's short forms spelled out for Hydra: ``scenario_file=PATH``
    (:func:`expand_scenario_file`) and one-value priors (:func:`expand_prior_values`)."""
    return expand_prior_values(expand_scenario_file(args))


PRIOR_NUMBERS = tuple(f.name for f in dataclasses.fields(PriorConf) if f.default is None and f.name != "dist")


def prior_mapping(key: str, value: object) -> dict:
    """A prior's short form as the mapping it stands for: a number fixes the prior at it,
    ``[low, high]`` makes it uniform on that range. Every other numeric field is nulled (a
    Hydra override merges a mapping into the node: the old family's parameters would stay)."""
    numbers = {name: None for name in PRIOR_NUMBERS}
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"dist": "fixed", **numbers, "value": float(value)}
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
    ):
        return {"dist": "uniform", **numbers, "low": float(value[0]), "high": float(value[1])}
    raise ConfigError(
        key, value, "a prior is a number (fixed at it), [low,high] (uniform) or its fields (KEY.dist=..., KEY.low=...)"
    )


def _hydra_text(mapping: dict) -> str:
    """A flat mapping in Hydra's override grammar: ``{dist:fixed,value:0.2,low:null}``."""
    return "{" + ",".join(f"{k}:{'null' if v is None else repr(v)}" for k, v in mapping.items()) + "}"


def expand_prior_values(args: list[str]) -> list[str]:
    """``scenario.<prior path>=0.2`` (fixed) and ``=[0.1,0.3]`` (uniform), sweeps of them
    included (``=0.1,0.2``), as the full prior mapping (:func:`prior_mapping`). Only keys that
    :func:`sim.parameters.parameter_of` knows as priors are touched; a mapping, ``null`` or a
    prior's own field (``...reservation.low=0``) passes as written."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.override_parser.types import ChoiceSweep, RangeSweep

    parser, out, skip = OverridesParser.create(), [], False
    for arg in args:
        if skip or arg.startswith("-") or not arg.startswith("scenario."):
            skip = arg in FLAGS_WITH_VALUE
            out.append(arg)
            continue
        key = arg.split("=", 1)[0]
        try:
            parameter_of(key.removeprefix("scenario."))
        except KeyError:  # not a prior's path (a prior's field, an item, ...)
            out.append(arg)
            continue
        try:
            override = parser.parse_override(arg)
        except Exception:  # noqa: BLE001 (Hydra's grammar error: Hydra reports it, in one line)
            out.append(arg)
            continue
        value = override.value()
        if value is None or isinstance(value, dict):
            out.append(arg)
            continue
        if isinstance(value, (ChoiceSweep, RangeSweep)):
            values = list(override.sweep_iterator())
        elif override.is_sweep_override():  # interval(...): for optimising sweepers
            raise ConfigError(key, arg.split("=", 1)[1], "sweep a prior over a list of values or ranges")
        else:
            values = [value]
        out.append(f"{key}=" + ",".join(_hydra_text(prior_mapping(key, v)) for v in values))
    return out


def quoted(value: str) -> str:
    """``value`` as a value of Hydra's override grammar: bare if it is plain ASCII (so that
    ``.hydra/overrides.yaml`` reads as before), else quoted (a non-ASCII file name, a space)."""
    if re.fullmatch(r"[A-Za-z0-9_./:+@~-]*", value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


CHECKED_HASHES: dict[tuple[str, ...], str] = {}  # sorted task overrides of a job -> config hash


def job_key(overrides: list[str]) -> tuple[str, ...]:
    """A job's task overrides as Hydra's BasicSweeper writes them, sorted (a cache key)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = OverridesParser.create().parse_overrides(overrides)
    return tuple(sorted(f"{o.get_key_element()}={o.get_value_element_as_str()}" for o in parsed if not o.is_hydra_override()))


def config_overrides(args: list[str]) -> list[str]:
    """The config overrides of a command line: no flags (nor their values), no ``hydra.``
    keys or launcher choices, except ``hydra.searchpath`` (a scenario file's)."""
    overrides, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg in FLAGS_WITH_VALUE:
            skip = True
        elif arg.startswith("-"):
            continue
        elif not arg.startswith(("hydra.", "hydra/")) or arg.startswith("hydra.searchpath"):
            overrides.append(arg)
    return overrides


def parse_overrides(overrides: list[str]) -> list:
    """Hydra's parsed overrides, with a config loader when Hydra is initialised (a
    ``glob(...)`` sweep of a config group lists the group's options through it); a grammar
    error is one line."""
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.override_parser.overrides_parser import OverridesParser

    loader = GlobalHydra.instance().config_loader() if GlobalHydra.instance().is_initialized() else None
    try:
        return OverridesParser.create(config_loader=loader).parse_overrides(overrides)
    except Exception as error:  # Hydra's override grammar: report its first line only
        raise ConfigError("command line", " ".join(overrides), first_line(error)) from None


def sweep_combinations(args: list[str]) -> list[tuple[str, ...]]:
    """Every job's config overrides: the product of the values of each sweep override."""
    overrides = config_overrides(args)
    bound = limits.SWEEP_POINTS.value()
    parsed = parse_overrides(overrides)
    try:
        choices = [
            [f"{o.get_key_element()}={v}" for v in itertools.islice(o.sweep_string_iterator(), bound + 1)]
            if o.is_sweep_override() else [o.input_line]
            for o in parsed
        ]  # fmt: skip
    except Exception as error:  # a sweep Hydra cannot expand: its first line only
        raise ConfigError("command line", " ".join(overrides), first_line(error)) from None
    limits.SWEEP_POINTS.check("command line", math.prod(len(values) for values in choices))  # at most bound + 1 each
    return list(itertools.product(*choices))


NOT_OURS = {"--config-path", "-cp", "--config-name", "-cn", "--config-dir", "-cd"}


def check_flags(args: list[str]) -> None:
    """Hydra's own flags, read by Hydra's own parser, a mistake in one line (Hydra prints
    its usage first); and none that would point Hydra at a config other than ``conf/``,
    which is the one the checks here compose."""
    from hydra._internal.utils import get_args_parser

    def error(message: str) -> None:
        if message.startswith("unrecognized arguments"):
            message += " (Hydra's flags, e.g. -m, go before the overrides)"
        raise ConfigError("command line", " ".join(args), message)

    parser = get_args_parser()
    parser.error = error  # argparse reports every usage mistake through error()
    parser.parse_args(args)
    given = next((arg for arg in args if arg.split("=", 1)[0] in NOT_OURS), None)
    if given is not None:
        raise ConfigError(
            given.split("=", 1)[0], given, "negsim composes its own conf/ only: a scenario of your own is "
            "scenario_file=PATH, more config files hydra.searchpath=[file://DIR]",
        )  # fmt: skip


def check_command_line(args: list[str]) -> None:
    """Hydra's flags (:func:`check_flags`), then compose and validate the config of every
    sweep value before Hydra starts a job (and keep each job's config hash in
    :data:`CHECKED_HASHES`)."""
    check_flags(args)
    if any(arg in FLAGS_WITHOUT_CHECK for arg in args):
        return
    with hydra_context():
        for combination in sweep_combinations(args):
            try:
                cfg = compose_config(list(combination))
            except Exception as error:
                raise composition_error(error, list(combination)) from None
            CHECKED_HASHES[job_key(list(combination))] = config_hash(build(cfg)[4])


def first_line(error: BaseException) -> str:
    """The first non-blank line of an error's message (Hydra's and OmegaConf's run to many)."""
    lines = [line.strip() for line in str(error).split("\n") if line.strip()]  # a "\r" in a key: ConfigError escapes it
    return lines[0] if lines else type(error).__name__


def composition_error(error: BaseException, overrides: list[str]) -> ConfigError:
    """One line from Hydra's or OmegaConf's multi-line composition errors, naming the
    override that caused it where one can be found."""
    cause = error.__cause__ or error.__context__
    full_key = getattr(cause, "full_key", None) or getattr(error, "full_key", None)
    text = first_line(error)
    culprit = next((o for o in overrides if full_key and o.split("=", 1)[0].lstrip("+~") == full_key), None)
    if culprit is None:
        culprit = next((o for o in overrides if f"'{o.split('=', 1)[0].lstrip('+~')}'" in str(error)), None)
    if "Could not find" in text or "Could not load" in text:
        text = text.replace("In 'config': ", "") + choices_hint(str(error), text)
    elif cause is not None and full_key:
        text = first_line(cause) if culprit is not None else f"{full_key}: {first_line(cause)}"
    source = next((o.split("=", 1)[1] for o in overrides if o.startswith("scenario_file=")), None)
    if culprit is None and full_key and full_key.startswith("scenario.") and source is not None:
        return _file_error(full_key, source, text)
    if culprit is None:
        return ConfigError("command line", " ".join(overrides), text)
    field, _, value = culprit.partition("=")
    return ConfigError(field, value, text)


def _file_error(full_key: str, source: str, text: str) -> ConfigError:
    """A composition error in a scenario file's content: the key, its value in the file, and
    the file (not the whole command line, which is not where the mistake is)."""
    if source.startswith("'"):  # as quoted() wrote it
        source = re.sub(r"\\(.)", r"\1", source[1:-1])
    path = Path(source)
    try:
        value = _lookup(scenario_file.load(path), full_key.removeprefix("scenario."))
    except ConfigError:
        value = None
    if isinstance(value, (dict, list)):  # an unknown or mistyped key: name it, not its contents
        value = full_key.rsplit(".", 1)[-1]
    reason = text.removeprefix(f"{full_key}: ")
    return ConfigError(full_key, value, f"{reason} (in {path})")


def available_options(text: str, group: str) -> list[str]:
    """The options Hydra lists under ``Available options in 'GROUP':`` in an error's text."""
    return re.findall(r"^\t(\S+)$", text.partition(f"Available options in '{group}':")[2].split("\n\n")[0], re.MULTILINE)


def choices_hint(full_text: str, line: str) -> str:
    """``; the choices are a, b (did you mean 'a'?)`` for Hydra's "Could not find 'GROUP/NAME'"."""
    found = re.search(r"Could not find '([^']+)/([^'/]+)'", line)
    if found is None:
        return ""
    options = available_options(full_text, found.group(1))
    if not options:
        return ""
    close = difflib.get_close_matches(found.group(2), options, n=1)
    return f"; the choices are {', '.join(options)}" + (f" (did you mean {close[0]!r}?)" if close else "")


# --- a scenario file on its own (negsim-scenarios) --------------------------------------------
def _lookup(data: object, dotted: str) -> object:
    node = data
    for key in dotted.split("."):
        if isinstance(node, dict) and key in node:
            node = node[key]
        else:
            return None
    return node


def check_scenario_structure(data: dict) -> dict:
    """Keys and types, by the structured config that ``negsim`` composes scenarios with;
    returns the plain data as ``negsim`` hands it to :func:`scenario_from_dict`."""
    from omegaconf.errors import OmegaConfBaseException

    from sim.config import ScenarioConf

    if isinstance(data, dict) and isinstance(data.get("as_of"), datetime.date):
        data = {**data, "as_of": data["as_of"].isoformat()}  # YAML reads an unquoted date as a date
    try:
        merged = OmegaConf.merge(OmegaConf.structured(ScenarioConf), data)
        return OmegaConf.to_container(merged, resolve=True, throw_on_missing=False)
    except OmegaConfBaseException as error:
        key = getattr(error, "full_key", "") or ""
        field = f"scenario.{key}" if key else "scenario"
        value = _lookup(data, key) if key else None
        if isinstance(value, (dict, list)):  # an unknown or mistyped key: name it, not its contents
            value = key.rsplit(".", 1)[-1]
        raise ConfigError(field, value, first_line(error)) from None
