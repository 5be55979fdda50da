"""Hydra plugins that make scenario files (plain data in ``scenarios/``) the ``scenario`` group.

``negsim-scenarios://PATH`` is a config source whose only group is ``scenario``; PATH is a
directory of ``*.yaml`` scenario files or a single file (``scenario_file=...``). The search
path plugin adds the bundled ``scenarios/`` directory, so ``scenario=NAME`` selects
``scenarios/NAME.yaml`` and every field of it is part of the composed config.
"""

from __future__ import annotations

import os
from pathlib import Path

from hydra.core.config_search_path import ConfigSearchPath
from hydra.core.object_type import ObjectType
from hydra.plugins.config_source import ConfigLoadError, ConfigResult, ConfigSource
from hydra.plugins.search_path_plugin import SearchPathPlugin
from omegaconf import OmegaConf

from sim.bundled import scenarios_dir

SCHEME = "negsim-scenarios"
GROUP = "scenario"
BUNDLED = scenarios_dir()  # the checkout's scenarios/, or an installed wheel's copy


class ScenarioSource(ConfigSource):
    """Exposes scenario files as the options of the ``scenario`` config group."""

    @staticmethod
    def scheme() -> str:
        return SCHEME

    def _files(self) -> dict[str, str]:
        path = self.path
        if os.path.isfile(path):
            return {Path(path).stem: path}
        if os.path.isdir(path):
            return {Path(f).stem: os.path.join(path, f) for f in os.listdir(path) if f.endswith(".yaml")}
        return {}

    def _option(self, config_path: str) -> str | None:
        group, _, name = config_path.partition("/")
        if group != GROUP or not name:
            return None
        return name[: -len(".yaml")] if name.endswith(".yaml") else name

    def load_config(self, config_path: str) -> ConfigResult:
        file = self._files().get(self._option(config_path) or "")
        if file is None:
            raise ConfigLoadError(f"Scenario not found: {config_path}")
        from sim.scenario_file import load  # plain data only: no anchors, no ${...} (its docstring)

        try:
            data = load(Path(file))
        except ValueError as error:  # sim.errors.ConfigError
            raise ConfigLoadError(str(error)) from None
        config = OmegaConf.create(data if data is not None else {})
        return ConfigResult(config=config, path=self.full_path(), provider=self.provider, header={"package": GROUP})

    def available(self) -> bool:
        return bool(self._files())

    def is_group(self, config_path: str) -> bool:
        return config_path in ("", GROUP)

    def is_config(self, config_path: str) -> bool:
        return self._option(config_path) in self._files()

    def list(self, config_path: str, results_filter: ObjectType | None) -> list[str]:
        if config_path == "" and results_filter in (None, ObjectType.GROUP):
            return [GROUP]
        if config_path == GROUP and results_filter in (None, ObjectType.CONFIG):
            return sorted(self._files())
        return []


class ScenarioSearchPath(SearchPathPlugin):
    """Adds the bundled ``scenarios/`` directory to every negsim composition."""

    def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
        search_path.append(provider="negsim", path=f"{SCHEME}://{BUNDLED}")
