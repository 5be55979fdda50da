"""``negsim-dashboard``: a browser dashboard for teaching, served by Panel on the local machine.

Controls (left): scenario, protocol, the opening offer (a level per item), the main priors
(the escalating actor's reservation and deadline, escalation sensitivity ``beta_gap``, each
actor's concession exponent), the seed and the number of runs. Main area:

- **The distribution**: ``N`` runs of the current settings with the batch engine (about 0.1 s
  for 20,000 runs), redrawn whenever a control changes: the share of each outcome status and
  of each highest escalation rung, with 95% Wilson intervals, and the previous distribution
  as dashed outlines, so that a change shows as a difference. Changing a prior keeps every
  other random number of every run (common random numbers): the difference is the prior's
  effect, not sampling noise.
- **One negotiation**: run ``K`` of that Monte Carlo replayed with the Mesa reference model
  (:class:`sim.teaching.transcript.Replay`), stepped or played round by round, with the
  transcript of the current round and each actor's utility of the text against its aspiration.

Why Panel: it ships every JavaScript and CSS file it needs (Bokeh's included) inside its
Python packages and serves them from this server's ``/static/`` route, so the dashboard works
with no internet (a classroom with bad Wi-Fi). Solara, Mesa's own SolaraViz, loads its assets
from a public CDN at run time and shows a blank page offline. ``BOKEH_RESOURCES=server`` is set
so that a user's environment cannot switch Bokeh to its CDN, and the Bootstrap template is
used because it requests no web fonts (Panel's Fast, Material and Vanilla templates fetch
fonts from Google). The browser test (``tests/teaching/test_dashboard_browser.py``) checks
that no request leaves the loopback interface.

Every browser session gets its own :class:`Dashboard` (state, model, charts): nothing mutable
lives at module level but the pool below. Only the composed scenario configs are cached,
read-only.

Under load (a classroom: many sessions at once), the distributions are computed in one
bounded pool shared by the sessions (:data:`POOL`, a thread per available core; the batch
engine releases the GIL, and each Monte Carlo uses one thread, so the pool is the bound on
the CPU the dashboard takes), never on the server's event loop, which stays free to serve
pages and controls. A session's newer control change supersedes its computation still
waiting in the pool (cancelled), and a result that a newer change has made stale is never
shown. Outside a server (a test, a notebook) the distribution is computed at once, in the
caller's thread. ``tests/teaching/test_dashboard_load.py`` measures 10 sessions at once.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import socket
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache, partial
from pathlib import Path

import numpy as np

from analysis.figures import STATUS_COLOURS
from sim.errors import EXIT_ENVIRONMENT, ConfigError, OneLineParser
from sim.limits import available_cores

DEFAULT_PORT = 5006
DEFAULT_HOST = "127.0.0.1"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
DEFAULT_RUNS = 20_000
MIN_RUNS, MAX_RUNS = 100, 200_000  # the runs control's range
PLAY_PERIOD_MS = 900
RUNG_COLOURS = ["#6a994e", "#a7c957", "#f4a261", "#e76f51", "#9b2226"]
_COMPOSE_LOCK = threading.Lock()
POOL = ThreadPoolExecutor(max_workers=available_cores(), thread_name_prefix="negsim-dashboard")
"""Every session's Monte Carlo runs here: at most one per available core at a time."""


# --- configs (cached, read-only) -----------------------------------------------------------
def scenario_names() -> list[str]:
    from hydra_plugins.negsim_scenarios import BUNDLED

    return sorted(path.stem for path in BUNDLED.glob("*.yaml"))


def protocol_names() -> list[str]:
    from sim.configure import CONF_DIR

    names = sorted(path.stem for path in (Path(CONF_DIR) / "protocol").glob("*.yaml"))
    return sorted(names, key=lambda n: n != "single_text")  # the default first


@lru_cache(maxsize=64)
def _composed_json(scenario: str, protocol: str) -> str:
    """negsim's composed config for ``scenario=... protocol=...`` (exactly what the command
    line composes), as JSON: callers get a fresh copy each time."""
    from sim import api

    with _COMPOSE_LOCK:  # Hydra's compose API keeps global state
        container = api.build(api.compose(scenario, protocol))[4]
    return json.dumps({"scenario": container["scenario"], "protocol": container["protocol"]})


def composed(scenario: str, protocol: str) -> dict:
    return json.loads(_composed_json(scenario, protocol))


# --- priors the dashboard controls ---------------------------------------------------------
class PriorControl:
    """A range slider for one prior. Left at its starting value, the scenario's own prior
    (whatever its family) is used; moved, the prior becomes uniform on the range (fixed when
    both ends meet). The prior keeps its random stream either way."""

    def __init__(
        self,
        label: str,
        path: tuple[str, ...],
        prior: dict,
        bounds: tuple[float, float],
        step: float,
        whole: bool = False,
    ):
        import panel as pn

        self.path = path
        self.prior = prior
        self.label = label
        self.whole = whole  # a number of periods: moved, the prior is uniform on the integers
        self.reason = ""  # why the control is disabled under this protocol ("" if it is not)
        low, high = _support(prior)
        start, end = min(bounds[0], low), max(bounds[1], high)
        self.initial = (low, high)
        self.widget = pn.widgets.RangeSlider(
            start=start,
            end=end,
            value=self.initial,
            step=step,
            format="0[.]00",
            show_value=False,  # the caption reads the value: "0.05", not "0.05 .. 0.05"
            sizing_mode="stretch_width",
            css_classes=["prior-" + "-".join(path[1:] if path[0] == "actors" else path)],
        )
        # the caption is ours, not the slider's title: it wraps (never cut) and has no trailing colon
        self.caption = pn.pane.HTML("", sizing_mode="stretch_width", css_classes=["prior-caption"], margin=(5, 10, 0, 10))
        self.view = pn.Column(self.caption, self.widget, sizing_mode="stretch_width", margin=0)
        self.widget.param.watch(lambda _event: self._relabel(), "value")
        self._relabel()

    def readout(self) -> str:
        """The prior the control stands for, in words: the scenario's own (named by its family
        unless uniform), a fixed value, or a uniform range."""
        digits = 0 if self.whole else 2
        if not self.moved:
            dist = self.prior.get("dist") or "fixed"
            low, high = self.initial
            if low == high:
                return f"{low:.{digits}f}"
            family = "" if dist == "uniform" else f"{dist.replace('_', ' ')}, "
            return f"{family}{low:.{digits}f} to {high:.{digits}f}"
        low, high = (float(x) for x in self.widget.value)
        if self.whole:
            low, high = float(round(low)), float(round(high))
        return f"{low:.{digits}f}" if high - low < 1e-12 else f"uniform {low:.{digits}f} to {high:.{digits}f}"

    @property
    def text(self) -> str:
        """The caption: the prior's name, what it is now and, if disabled, why."""
        note = f" (no effect under {self.reason})" if self.reason else ""
        return f"{self.label}: {self.readout()}{note}"

    def _relabel(self) -> None:
        import html

        self.caption.object = f"<div>{html.escape(self.text)}</div>"

    def disable(self, reason: str) -> None:
        """Grey the slider out with the reason in its caption ("" enables it again)."""
        self.reason = reason
        self.widget.disabled = bool(reason)
        self._relabel()

    @property
    def moved(self) -> bool:
        return not np.allclose(self.widget.value, self.initial)

    def apply(self, scenario: dict) -> None:
        if not self.moved:
            return
        low, high = (float(x) for x in self.widget.value)
        if self.whole:
            low, high = float(round(low)), float(round(high))
        node = scenario
        for key in self.path[:-1]:
            node = node[key]
        note = {"rationale": "set on the dashboard", "source": "negsim-dashboard", "evidence": "assumption"}
        if high - low < 1e-12:
            node[self.path[-1]] = {"dist": "fixed", "value": low, **note}
        else:
            family = "uniform_integer" if self.whole else "uniform"
            node[self.path[-1]] = {"dist": family, "low": low, "high": high, **note}


def _support(prior: dict) -> tuple[float, float]:
    dist = prior.get("dist")
    if dist is None:  # an optional prior the scenario leaves out (no aftermath): 0
        return 0.0, 0.0
    if dist == "fixed":
        return float(prior["value"]), float(prior["value"])
    if dist == "normal":
        return float(prior["mean"] - 2 * prior["sd"]), float(prior["mean"] + 2 * prior["sd"])
    return float(prior["low"]), float(prior["high"])


# --- one browser session -------------------------------------------------------------------
class Dashboard:
    """The state, widgets and charts of one browser session."""

    def __init__(
        self,
        scenario: str = "lieven_2022",
        protocol: str = "single_text",
        n_runs: int = DEFAULT_RUNS,
        seed: int = 0,
    ):
        import panel as pn

        self.pn = pn
        self.replay = None
        self.previous: dict | None = None
        self.summary: dict | None = None
        self._play_callback = None
        self._building = False
        self._doc = pn.state.curdoc  # this session's document (None outside a server)
        self._latest = 0  # the number of the latest request for a distribution
        self._pending: Future | None = None
        if self._doc is not None and self._doc.session_context is not None:
            self._doc.on_session_destroyed(lambda _context: self._pending and self._pending.cancel())  # a closed tab
        self.scenario_select = pn.widgets.Select(
            label="Scenario",
            options=scenario_names(),
            value=scenario,
            css_classes=["control-scenario"],
            sizing_mode="stretch_width",
        )
        self.protocol_select = pn.widgets.Select(
            label="Protocol",
            options=protocol_names(),
            value=protocol,
            css_classes=["control-protocol"],
            sizing_mode="stretch_width",
        )
        # no start/end on the number inputs: the browser would drop an out-of-range value
        # silently; the page refuses it with a message instead (check_inputs)
        self.seed_input = pn.widgets.IntInput(
            label="Seed", value=seed, css_classes=["control-seed"], width=90
        )
        self.runs_input = pn.widgets.IntInput(
            label=f"Runs (N, {MIN_RUNS:,} to {MAX_RUNS:,})",
            value=n_runs,
            step=1000,
            css_classes=["control-runs"],
            sizing_mode="stretch_width",
        )
        self.offer_box = pn.Column(sizing_mode="stretch_width")
        self.prior_box = pn.Column(sizing_mode="stretch_width")
        self.reset_button = pn.widgets.Button(
            label="Reset to the scenario", color="light", css_classes=["control-reset"], sizing_mode="stretch_width"
        )
        self.message = pn.pane.Alert(
            "", alert_type="danger", visible=False, sizing_mode="stretch_width",
            css_classes=["page-message"],
        )  # fmt: skip
        self.protocol_note = pn.pane.Markdown("", css_classes=["protocol-note"], sizing_mode="stretch_width")
        # the distribution
        self.status_plot, self.status_source, self.status_ghost = _bar_chart("status-chart")
        self.rung_plot, self.rung_source, self.rung_ghost = _bar_chart("rung-chart")
        self.distribution_text = pn.pane.Markdown(
            "", css_classes=["distribution-summary"], sizing_mode="stretch_width"
        )
        # one negotiation
        self.run_input = pn.widgets.IntInput(
            label="Run K", value=0, width=100, css_classes=["control-run"]
        )
        self.step_button = pn.widgets.Button(
            label="Step ▸", color="primary", css_classes=["control-step"], width=90
        )
        self.play_button = pn.widgets.Toggle(
            label="Play ▶", color="success", css_classes=["control-play"], width=90
        )
        self.restart_button = pn.widgets.Button(
            label="Restart ↺", color="light", css_classes=["control-restart"], width=90
        )
        self.negotiation_plot, self.negotiation_sources = None, []
        self.negotiation_pane = pn.pane.Bokeh(sizing_mode="stretch_width")
        self.negotiation_title = pn.pane.HTML(
            "", css_classes=["chart-title", "negotiation-title"], sizing_mode="stretch_width", styles=CHART_TITLE_STYLE
        )
        self.run_state = pn.pane.Markdown("", css_classes=["run-state"], sizing_mode="stretch_width")
        self.why_text = pn.pane.Markdown("", css_classes=["round-why"], sizing_mode="stretch_width")
        self.round_text = pn.pane.Markdown(
            "", css_classes=["round-transcript"], sizing_mode="stretch_width"
        )
        self.header_text = pn.pane.Markdown("", sizing_mode="stretch_width")
        self.full_text = pn.pane.Markdown("", sizing_mode="stretch_width")
        self.details_text = pn.pane.Markdown("", css_classes=["details-text"], sizing_mode="stretch_width")
        self.export_button = pn.widgets.FileDownload(
            callback=self.export_file, filename="negsim-dashboard.html", label="Export the page (HTML)",
            color="light", css_classes=["control-export"], sizing_mode="stretch_width",
        )  # fmt: skip
        # wiring
        self.scenario_select.param.watch(self._on_scenario, "value")
        self.protocol_select.param.watch(self._on_scenario, "value")
        self.seed_input.param.watch(self._on_change, "value")
        self.runs_input.param.watch(self._on_change, "value")
        self.reset_button.on_click(lambda _event: self._on_scenario())
        self.run_input.param.watch(lambda _event: self.restart(), "value")
        self.step_button.on_click(lambda _event: self.step())
        self.restart_button.on_click(lambda _event: self.restart())
        self.play_button.param.watch(self._on_play, "value")
        self._build_controls()
        self.recompute()
        self.restart()

    # --- controls --------------------------------------------------------------------------
    def _build_controls(self) -> None:
        pn = self.pn
        from sim.protocols import protocol_from_dict
        from sim.teaching.words import actor_words, item_words, level_words, possessive

        self._building = True
        self.base = composed(self.scenario_select.value, self.protocol_select.value)
        scenario = self.base["scenario"]
        self.offer_selects = {}
        for name, item in scenario["items"].items():
            options = {level_words(level): level for level in item["levels"]}
            select = pn.widgets.Select(
                label=item_words(name),
                options=options,
                value=scenario["opening_offer"][name],
                sizing_mode="stretch_width",
                css_classes=[f"offer-{name}"],
            )
            select.param.watch(self._on_change, "value")
            self.offer_selects[name] = select
        escalator = scenario["escalation"].get("actor", "russia")
        actors = scenario["actors"]
        self.priors = [
            PriorControl(
                f"{actor_words(escalator)}: BATNA r",
                ("actors", escalator, "reservation"),
                actors[escalator]["reservation"],
                (-1.0, 1.0),
                0.01,
            ),
            PriorControl(
                f"{actor_words(escalator)}: deadline T",
                ("actors", escalator, "deadline"),
                actors[escalator]["deadline"],
                (1.0, 20.0),
                0.5,
            ),
            PriorControl(
                "Escalation sensitivity β_gap",
                ("escalation", "beta_gap"),
                scenario["escalation"]["beta_gap"],
                (0.0, 12.0),
                0.1,
            ),
        ]
        for actor, node in actors.items():
            self.priors.append(
                PriorControl(
                    f"{actor_words(actor)}: concession exponent e",
                    ("actors", actor, "concession_exponent"),
                    node["concession_exponent"],
                    (0.1, 4.0),
                    0.05,
                )
            )
        self.priors.append(
            PriorControl(
                "Crisis after the talks: periods K",
                ("escalation", "aftermath"),
                scenario["escalation"].get("aftermath") or {"dist": "fixed", "value": 0},
                (0.0, 12.0),
                1.0,
                whole=True,
            )
        )
        for actor, node in actors.items():
            for item, red_line in (node.get("red_lines") or {}).items():
                levels = ", ".join(level_words(level) for level in red_line["levels"])
                self.priors.append(
                    PriorControl(
                        f"{possessive(actor)} red line on {item_words(item)} ({levels}): P(it holds)",
                        ("actors", actor, "red_lines", item, "hold"),
                        red_line.get("hold") or {"dist": "fixed", "value": 1.0},
                        (0.0, 1.0),
                        0.05,
                    )
                )
        protocol = self.base["protocol"].get("name")
        self.anticipate = pn.widgets.Checkbox(
            label="The mediator anticipates ratification"
            + ("" if protocol == "single_text" else f" (no effect under {protocol}: no mediator)"),
            value=bool(self.base["protocol"].get("anticipate_ratification", True)),
            disabled=protocol != "single_text",
            css_classes=["control-anticipate"],
        )
        if protocol_from_dict(self.base["protocol"]).forces_deadline_one:  # ultimatum
            reason = f"{protocol}: one round, aspiration = BATNA"
            for control in self.priors:
                if control.path[-1] in ("deadline", "concession_exponent"):
                    control.disable(reason)
            self.protocol_note.object = (
                f"*Greyed out: deadlines and concession exponents have no effect under {protocol}: "
                "one round, in which every aspiration is the BATNA.*"
            )
        else:
            self.protocol_note.object = ""
        self.anticipate.param.watch(self._on_change, "value")
        for control in self.priors:
            control.widget.param.watch(self._on_change, "value_throttled")
        self.offer_box.objects = [
            pn.pane.Markdown("#### Opening offer"),
            *self.offer_selects.values(),
        ]
        self.prior_box.objects = [
            pn.pane.Markdown(
                "#### Priors\nEach slider is a prior's range. A moved slider makes the prior uniform on "
                "its range (fixed where the ends meet). e < 1: Boulware (concedes late); e > 1: Conceder."
            ),
            *[control.view for control in self.priors],
            self.anticipate,
            self.protocol_note,
        ]
        self._building = False

    def settings(self):
        """The scenario and protocol the controls describe (raises :class:`ConfigError`)."""
        from sim.protocols import check_protocol_fits, protocol_from_dict
        from sim.scenario import scenario_from_dict

        data = copy.deepcopy(self.base)
        scenario = data["scenario"]
        for name, select in self.offer_selects.items():
            scenario["opening_offer"][name] = select.value
        for control in self.priors:
            control.apply(scenario)
        data["protocol"]["anticipate_ratification"] = self.anticipate.value
        built = scenario_from_dict(scenario)
        protocol = protocol_from_dict(data["protocol"])
        check_protocol_fits(built, protocol)
        return built, protocol

    def check_inputs(self) -> tuple[int, int, int]:
        """The runs N, the seed and the run K typed on the page, or :class:`ConfigError` naming
        the control and its allowed range (shown on the page; nothing is clamped silently)."""
        n, seed, run = self.runs_input.value, self.seed_input.value, self.run_input.value
        if n is None or not MIN_RUNS <= n <= MAX_RUNS:
            raise ConfigError("Runs (N)", n, f"must be a whole number from {MIN_RUNS:,} to {MAX_RUNS:,}")
        if seed is None or seed < 0:
            raise ConfigError("Seed", seed, "must be a whole number >= 0")
        if run is None or not 0 <= run < n:
            raise ConfigError("Run K", run, f"must be a run of the Monte Carlo: a whole number from 0 to {n - 1:,}")
        return int(n), int(seed), int(run)

    def _on_scenario(self, *_events) -> None:
        self._stop_play()
        self._build_controls()
        self.recompute()
        self.restart()

    def _on_change(self, *_events) -> None:
        if self._building:
            return
        self.recompute()
        self.restart()

    def _error(self, error: Exception | None) -> None:
        self.message.object = "" if error is None else f"**Cannot use these settings:** {error}"
        self.message.visible = error is not None

    # --- the distribution ------------------------------------------------------------------
    def recompute(self) -> dict | None:
        """N runs of the current settings with the batch engine, then both charts redrawn.
        In a server session the runs go to :data:`POOL` and this returns ``None`` at once
        (the charts are redrawn on the session's event loop when they are done, unless a
        newer request came meanwhile); elsewhere they run now and the summary is returned."""
        from sim.api import MonteCarlo

        try:
            scenario, protocol = self.settings()
            n, seed, _run = self.check_inputs()
            mc = MonteCarlo(
                n_runs=n,
                seed=seed,
                n_threads=1,  # the pool is the bound: a thread per core in all
                save_outcomes=False,
            )
        except ConfigError as error:
            self._error(error)
            return None
        self._error(None)
        self._latest += 1
        request = self._latest
        if self._doc is None or self._doc.session_context is None:
            summary, elapsed = _distribution(scenario, protocol, mc)
            self._show(request, summary, elapsed, scenario, protocol, mc)
            return summary
        if self._pending is not None:
            self._pending.cancel()  # still waiting in the pool: superseded by this request
        self._pending = POOL.submit(self._compute, request, scenario, protocol, mc)
        return None

    def _compute(self, request: int, scenario, protocol, mc) -> None:
        """In the pool: the runs, unless a newer request came while this one waited; the
        redraw is handed to the session's event loop."""
        if request != self._latest:
            return
        summary, elapsed = _distribution(scenario, protocol, mc)
        self._doc.add_next_tick_callback(partial(self._show, request, summary, elapsed, scenario, protocol, mc))

    def _show(self, request: int, summary: dict, elapsed: float, scenario, protocol, mc) -> None:
        """Redraw both charts and the line under them (on the session's event loop)."""
        from sim.teaching.words import actor_words, level_words, status_words

        if request != self._latest:
            return  # a newer request's result is on its way
        if self.summary is not None:
            self.previous = self.summary
        self.summary = summary
        with self.pn.io.hold():
            _update_bars(
                self.status_plot,
                self.status_source,
                self.status_ghost,
                summary["status"],
                self.previous and self.previous["status"],
                status_words,
            )
            _update_bars(
                self.rung_plot,
                self.rung_source,
                self.rung_ghost,
                summary["highest_rung"],
                self.previous and self.previous["highest_rung"],
                _rung_label,
            )
            agreement = summary["status"]["agreement"]
            war = summary["p_war"]  # sim.summary.p_war: highest rung >= full-scale invasion
            blockers = ", ".join(
                f"{actor_words(name)} {est['p']:.0%}"
                for name, est in summary["blocker"].items()
                if est["p"] >= 0.005 and name != "none"
            )
            offer = " · ".join(level_words(level) for level in _offer_levels(scenario))
            self.distribution_text.object = (
                f"**{scenario.name}, {protocol.name} protocol: {mc.n_runs:,} runs** (seed {mc.seed}, batch engine) "
                f"in {elapsed:.2f} s. "
                f"**P(agreement) = {agreement['p']:.1%}** [{agreement['lo']:.1%}, {agreement['hi']:.1%}]; "
                f"**P(war) = {war['p']:.1%}** [{war['lo']:.1%}, {war['hi']:.1%}] (highest rung ≥ full-scale invasion); "
                f"mean rounds {summary['rounds']['mean']:.2f}. "
                f"Blocker in the last round: {blockers or 'none'}.  \nOpening offer: {offer}."
                + (
                    "  \n*Dashed outlines: the distribution before the last change.*"
                    if self.previous
                    else ""
                )
            )

    # --- one negotiation -------------------------------------------------------------------
    def restart(self, stop_play: bool = True) -> None:
        """A fresh replay of run K with the current settings (nothing played yet)."""
        from sim.teaching.transcript import Replay

        if stop_play:
            self._stop_play()
        try:
            scenario, protocol = self.settings()
            _n, seed, run = self.check_inputs()
            self.replay = Replay(scenario, protocol, seed, run)
        except ConfigError as error:
            self._error(error)
            self.replay = None
            self.step_button.disabled = True
            self.run_state.object = "*No run to step: correct the settings refused above.*"
            return
        self._error(None)
        self.negotiation_plot, self.negotiation_sources = _negotiation_chart(scenario.actor_names)
        self.negotiation_pane.object = self.negotiation_plot
        self.negotiation_title.object = _negotiation_title(self.replay)
        self.header_text.object = demote_headings(self.replay.header_markdown(reproduction=False))
        self.details_text.object = self.details_markdown()
        self.run_state.object = (
            f"**Run {self.replay.run}** is ready: *Step* plays one round, *Play* plays to the end."
        )
        self.why_text.object = ""
        self.round_text.object = ""
        self.full_text.object = ""
        self.step_button.disabled = False

    def step(self) -> None:
        """Play one round (or aftermath period) and describe it: why each refusal, then the
        transcript of the round; at the end, say that the run is over and how it ended."""
        if self.replay is None or self.replay.finished:
            self._stop_play()
            return
        self.replay.step()
        replay = self.replay
        why = why_markdown(replay, len(replay.records) - 1)  # in the aftermath: the talks' last round
        text = demote_headings(replay.last_markdown(reasons=False))
        if replay.finished:
            text += "\n\n" + demote_headings(replay.ending_markdown(code=False))
            self.step_button.disabled = True
            self._stop_play()
        with self.pn.io.hold():
            self.run_state.object = self._run_state()
            self.why_text.object = why
            self.round_text.object = text
            self.full_text.object = demote_headings(replay.markdown(code=False))
            self.negotiation_title.object = _negotiation_title(replay)
            _update_negotiation(self.negotiation_plot, self.negotiation_sources, replay)

    def _run_state(self) -> str:
        """One line over the round view: where the run is, and when it is over, that it is."""
        from sim.teaching.words import status_words

        replay, model = self.replay, self.replay.model
        if not replay.finished:
            where = f"aftermath period {len(replay.periods)}" if replay.periods else f"round {model.rounds}"
            return f"**Run {replay.run}**, {where} played: *Step* for the next."
        rounds = f"{model.rounds} round{'s' if model.rounds != 1 else ''}"
        after = f" and {len(replay.periods)} aftermath period{'s' if len(replay.periods) != 1 else ''}" if replay.periods else ""
        return (
            f"**Run {replay.run} is over: {status_words(replay.status)}** after {rounds}{after}. "
            "*Restart* plays it again; another run K shows another negotiation."
        )

    def _on_play(self, event) -> None:
        if event.new:
            if self.replay is None or self.replay.finished:
                self.restart(stop_play=False)  # stopping here would leave the button on "Pause"
                if self.replay is None:
                    self.play_button.value = False
                    return
            self.play_button.label = "Pause ❚❚"
            self._play_callback = self.pn.state.add_periodic_callback(
                self.step, period=PLAY_PERIOD_MS
            )
        else:
            self.play_button.label = "Play ▶"
            if self._play_callback is not None:
                self._play_callback.stop()
                self._play_callback = None

    def _stop_play(self) -> None:
        if self.play_button.value:
            self.play_button.value = False  # its watcher stops the callback and relabels

    def details_markdown(self) -> str:
        """For programmers, folded away from the teacher's view: how to get this run and
        this distribution from Python or the command line."""
        replay = self.replay
        moved = [control.text for control in self.priors if control.moved]
        return "\n\n".join(
            [
                replay.reproduction_markdown(),
                "Command lines for the scenario's own priors:",
                f"```\nnegsim scenario={replay.scenario.name} protocol={replay.protocol.name} mc.seed={replay.seed} "
                f"mc.n_runs={self.runs_input.value}\nnegsim-transcript scenario={replay.scenario.name} "
                f"protocol={replay.protocol.name} mc.seed={replay.seed} run={replay.run}\n```",
                (f"Moved on this page (add them as `scenario.*` overrides): {', '.join(moved)}." if moved else ""),
            ]
        )

    def export_file(self):
        """The whole page as one self-contained HTML file (the download of *Export*)."""
        from io import StringIO

        return StringIO(self.export_html())

    def export_html(self) -> str:
        """The distribution, the negotiation so far with the reasons for every refusal, the
        run's draws and the glossary, in one HTML file with its figures inlined (prints whole)."""
        return export_page(self)

    # --- layout ----------------------------------------------------------------------------
    def sidebar(self) -> list:
        pn = self.pn
        return [
            self.scenario_select,
            self.protocol_select,
            pn.Row(self.seed_input, self.runs_input, sizing_mode="stretch_width"),
            self.reset_button,
            self.export_button,
            self.offer_box,
            self.prior_box,
        ]

    def main(self) -> list:
        """The distribution's line and any refusal above tabs: the distribution, one
        negotiation (fits a 1024x768 projector with its round view), the glossary and, folded,
        the details for programmers."""
        pn = self.pn
        wide = {"sizing_mode": "stretch_width"}
        distribution = pn.Row(
            pn.Column(
                _chart_title("How the negotiation ends (95% Wilson intervals)"),
                pn.pane.Bokeh(self.status_plot, **wide),
                **wide,
            ),
            pn.Column(
                _chart_title("Highest escalation rung reached"), pn.pane.Bokeh(self.rung_plot, **wide), **wide
            ),
            **wide,
        )
        negotiation = pn.Column(
            pn.Row(self.run_input, self.step_button, self.play_button, self.restart_button),
            self.run_state,
            pn.Row(
                pn.Column(self.negotiation_title, self.negotiation_pane, sizing_mode="stretch_width"),
                pn.Column(
                    self.why_text, self.round_text, sizing_mode="stretch_width", css_classes=["round-view"],
                    scroll=True, stylesheets=[ROUND_VIEW_CSS],
                ),
                sizing_mode="stretch_width",
            ),
            pn.pane.Markdown(
                "Marker: coloured = says yes, black = says no, white = not asked (its yes is not needed). "
                "Hover for the numbers."
            ),
            pn.Card(self.header_text, title="This run's draws", collapsed=True, sizing_mode="stretch_width"),
            pn.Card(self.full_text, title="Full transcript so far", collapsed=True, sizing_mode="stretch_width"),
            sizing_mode="stretch_width",
        )  # fmt: skip
        details = pn.Card(
            self.details_text, title="Details (for programmers)", collapsed=True,
            sizing_mode="stretch_width", css_classes=["details-fold"],
        )  # fmt: skip
        tabs = pn.Tabs(
            ("One negotiation", negotiation),
            ("The distribution", distribution),
            ("Glossary", pn.pane.Markdown(glossary_markdown(), css_classes=["glossary"], sizing_mode="stretch_width")),
            sizing_mode="stretch_width",
            css_classes=["main-tabs"],
        )  # fmt: skip
        return [self.message, self.distribution_text, tabs, details]


PAGE_CSS = "@media print { #sidebar { display: none !important; } }"
"""Printing leaves the controls out (the export holds the whole page, every tab)."""
ROUND_VIEW_CSS = """
:host { max-height: max(220px, calc(100vh - 390px)); overflow-y: auto; }
@media print { :host { max-height: none !important; overflow: visible !important; } }
"""
"""The round view scrolls within the window, so that it is on screen at 1024x768 (a
projector), and unfolds when printed. (Panel renders each component in its own shadow
root: its styles go with it, not in the page's CSS.)"""
CHART_TITLE_STYLE = {"font-weight": "600", "font-size": "15px", "line-height": "1.25", "overflow-wrap": "anywhere"}


def why_markdown(replay, k: int) -> str:
    """Round ``k`` (0-based) of ``replay``: every refusal and its reason, as a list
    (:func:`sim.teaching.words.round_reasons` reads the round's record)."""
    from sim.teaching.words import round_reasons

    record = replay.records[k]
    reasons = round_reasons(replay.scenario, record, replay.draws.actors.ratifier_bias[0])
    return f"**Why, in round {record.t}:**\n\n" + (
        "\n".join(f"- {line}" for line in reasons) if reasons else "- Everyone whose yes is needed says yes."
    )


def export_page(dashboard) -> str:
    """The dashboard's whole content as one self-contained HTML page: the settings and the
    distribution (figures inlined as PNG), one negotiation so far with the reasons for every
    refusal, the run's draws, the glossary and the details. It needs no server to open or
    print."""
    import base64
    import html
    import io

    import markdown

    from analysis.figures import plot_rungs, plot_status, pyplot

    def figure_tag(fig, alt: str) -> str:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=90)
        pyplot().close(fig)
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'

    def md(text: str) -> str:
        return markdown.markdown(text, extensions=["tables", "fenced_code"])

    parts = ["<h1>negsim: one negotiation, and the distribution of many</h1>"]
    if dashboard.message.visible:
        parts.append(f'<p class="refused">{md(dashboard.message.object)}</p>')
    moved = [control.text for control in dashboard.priors if control.moved]
    parts.append("<h2>The distribution</h2>" + md(dashboard.distribution_text.object))
    parts.append(md("Priors moved on the page: " + ("; ".join(moved) if moved else "none (the scenario's own)") + "."))
    if dashboard.summary is not None:
        parts.append(figure_tag(plot_status(dashboard.summary), "How the negotiation ends"))
        parts.append(figure_tag(plot_rungs(dashboard.summary), "Highest escalation rung reached"))
    replay = dashboard.replay
    if replay is not None:
        parts.append("<h2>One negotiation, round by round</h2>" + md(dashboard.run_state.object))
        if replay.records:
            parts.append(figure_tag(replay.figure(), "Utility of the text against aspiration"))
        for k in range(len(replay.records)):
            parts.append(md(why_markdown(replay, k)) + md(demote_headings(replay.round_markdown(k, reasons=False))))
        for k in range(len(replay.periods)):
            parts.append(md(demote_headings(replay.period_markdown(k))))
        if replay.finished:
            parts.append(md(demote_headings(replay.ending_markdown(code=False))))
        parts.append(md(demote_headings(replay.header_markdown(reproduction=False))))
    parts.append("<h2>Glossary</h2>" + md(glossary_markdown()))
    if replay is not None:
        parts.append("<h2>Details (for programmers)</h2>" + md(dashboard.details_markdown()))
    style = (
        "body{font-family:sans-serif;max-width:60em;margin:auto;padding:1em;line-height:1.4}"
        "table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:2px 6px}"
        "img{max-width:100%}h2,h3{break-after:avoid}table,img{break-inside:avoid}"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>negsim dashboard export</title><style>{style}</style></head><body>\n"
        + "\n".join(parts)
        + "\n</body></html>\n"
    )


def glossary_markdown() -> str:
    from sim.teaching.words import GLOSSARY

    return "\n".join(f"- **{term.capitalize()}**: {text}" for term, text in GLOSSARY.items())


def _chart_title(text: str):
    """A chart's title as HTML above it: it wraps on a narrow screen, where a title drawn
    inside the canvas is cut."""
    import html

    import panel as pn

    return pn.pane.HTML(
        f'<div class="title-text">{html.escape(text)}</div>', css_classes=["chart-title"], sizing_mode="stretch_width", styles=CHART_TITLE_STYLE
    )


def _negotiation_title(replay) -> str:
    import html

    from sim.teaching.words import status_words

    rounds = len(replay.records)
    status = f" → {status_words(replay.status)}" if replay.finished else ""
    return f'<div class="title-text">Run {replay.run}, round {rounds}{html.escape(status)}: utility of the text (solid) against aspiration (dashed)</div>'


def _distribution(scenario, protocol, mc) -> tuple[dict, float]:
    """The summary of ``mc`` runs with the batch engine, and the seconds they took."""
    from sim.api import run_monte_carlo

    began = time.perf_counter()
    summary = run_monte_carlo(scenario, protocol, "batch", mc)
    return summary, time.perf_counter() - began


def _offer_levels(scenario) -> list[str]:
    """The opening offer's level names, item by item (of the scenario the runs used)."""
    return [item.levels[level] for item, level in zip(scenario.items, scenario.opening_offer)]


def demote_headings(markdown: str, by: int = 2) -> str:
    """``# Title`` -> ``### Title``: the transcript's headings, sized for a dashboard panel."""
    return "\n".join(
        "#" * by + line if line.startswith("#") else line for line in markdown.split("\n")
    )


# --- Bokeh charts --------------------------------------------------------------------------
def _rung_label(name: str) -> str:
    from sim.teaching.words import RUNG_WORDS

    return RUNG_WORDS.get(name, name)


def _bar_chart(css_class: str):
    from bokeh.models import (
        ColumnDataSource,
        HoverTool,
        LabelSet,
        NumeralTickFormatter,
        Whisker,
    )
    from bokeh.plotting import figure

    empty = {
        "x": [""] * 0,
        "p": [],
        "lo": [],
        "hi": [],
        "label": [],
        "colour": [],
        "count": [],
        "label_y": [],
    }
    source = ColumnDataSource(empty)
    ghost = ColumnDataSource({"x": [], "p": []})
    plot = figure(
        x_range=[""],
        height=300,
        toolbar_location=None,
        sizing_mode="stretch_width",
        y_range=(0, 1),
        tools="",
        css_classes=[css_class],
    )
    bars = plot.vbar(x="x", top="p", width=0.7, color="colour", source=source, line_color=None)
    plot.vbar(
        x="x",
        top="p",
        width=0.86,
        source=ghost,
        fill_alpha=0,
        line_color="#333333",
        line_dash="dashed",
        line_width=1.2,
    )
    plot.add_layout(Whisker(base="x", upper="hi", lower="lo", source=source, line_width=1.2))
    plot.add_layout(
        LabelSet(
            x="x",
            y="label_y",
            text="label",
            source=source,
            text_align="center",
            text_font_size="9pt",
            y_offset=4,
        )
    )
    plot.add_tools(
        HoverTool(
            renderers=[bars],
            tooltips=[
                ("", "@x"),
                ("p", "@p{0.0%}"),
                ("95% interval", "[@lo{0.0%}, @hi{0.0%}]"),
                ("runs", "@count"),
            ],
        )
    )
    plot.yaxis.formatter = NumeralTickFormatter(format="0%")
    plot.yaxis.axis_label = "share of runs"
    plot.xaxis.major_label_orientation = 0.45
    plot.xgrid.grid_line_color = None
    return plot, source, ghost


def _update_bars(plot, source, ghost, estimates: dict, previous: dict | None, words) -> None:
    names = list(estimates)
    labels = [words(name) for name in names]
    p = [float(estimates[n]["p"]) for n in names]
    lo = [float(estimates[n]["lo"]) for n in names]
    hi = [float(estimates[n]["hi"]) for n in names]
    colours = [
        STATUS_COLOURS.get(n) or RUNG_COLOURS[i % len(RUNG_COLOURS)] for i, n in enumerate(names)
    ]
    plot.x_range.factors = labels
    top = max(hi + ([float(previous[n]["p"]) for n in names] if previous else []))
    plot.y_range.end = min(1.0, max(0.05, top * 1.18))
    source.data = {
        "x": labels,
        "p": p,
        "lo": lo,
        "hi": hi,
        "label": [f"{value:.1%}" for value in p],
        "colour": colours,
        "count": [int(estimates[n]["count"]) for n in names],
        "label_y": hi,
    }
    ghost.data = (
        {"x": labels, "p": [float(previous[n]["p"]) for n in names]}
        if previous
        else {"x": [], "p": []}
    )


def _negotiation_chart(actors):
    from bokeh.models import (
        ColumnDataSource,
        HoverTool,
        Legend,
        LegendItem,
        SingleIntervalTicker,
    )
    from bokeh.plotting import figure

    from sim.teaching.figures import actor_colour
    from sim.teaching.words import actor_words

    plot = figure(
        height=330,
        toolbar_location=None,
        tools="",
        sizing_mode="stretch_width",
        x_axis_label="round",
        y_axis_label="utility",
        x_range=(0.5, 4.5),
        y_range=(-0.5, 0.8),
        css_classes=["negotiation-chart"],
    )
    sources, items = [], []
    for a, actor in enumerate(actors):
        colour = actor_colour(a)
        source = ColumnDataSource(
            {"round": [], "utility": [], "aspiration": [], "fill": [], "decision": []}
        )
        line = plot.line("round", "utility", source=source, color=colour, line_width=2.2)
        dots = plot.scatter(
            "round", "utility", source=source, color=colour, fill_color="fill", size=9, line_width=2
        )
        plot.line(
            "round",
            "aspiration",
            source=source,
            color=colour,
            line_dash="dashed",
            line_width=1.5,
            alpha=0.85,
        )
        plot.add_tools(
            HoverTool(
                renderers=[dots],
                tooltips=[
                    ("", actor_words(actor)),
                    ("round", "@round"),
                    ("utility", "@utility{0.000}"),
                    ("aspiration", "@aspiration{0.000}"),
                    ("", "@decision"),
                ],
            )
        )
        items.append(LegendItem(label=actor_words(actor), renderers=[line, dots]))
        sources.append(source)
    plot.add_layout(Legend(items=items, location="top_right", label_text_font_size="9pt"), "right")
    plot.xaxis.ticker = SingleIntervalTicker(interval=1)
    plot.xgrid.ticker = plot.xaxis.ticker
    return plot, sources


def _update_negotiation(plot, sources, replay) -> None:
    from sim.teaching.figures import actor_colour

    records = replay.records
    rounds = [r.t for r in records]
    for a, source in enumerate(sources):
        decisions, fills = [], []
        for r in records:
            if not r.asked[a]:
                decisions.append("not asked")
                fills.append("white")
            elif r.accepted[a]:
                decisions.append("says yes")
                fills.append(None)
            else:
                decisions.append("says no")
                fills.append("#222222")
        colour = actor_colour(a)
        source.data = {
            "round": rounds,
            "utility": [float(r.utilities[a]) for r in records],
            "aspiration": [float(r.aspirations[a]) for r in records],
            "fill": [colour if f is None else f for f in fills],
            "decision": decisions,
        }
    plot.x_range.end = max(rounds[-1] + 0.5, 4.5) if rounds else 4.5
    values = [float(v) for r in records for v in (*r.utilities, *r.aspirations)]
    if values:
        low, high = min(values), max(values)
        pad = max(0.05, 0.08 * (high - low))
        plot.y_range.start, plot.y_range.end = low - pad, high + pad


# --- serving -------------------------------------------------------------------------------
def create_app(
    scenario: str = "lieven_2022",
    protocol: str = "single_text",
    n_runs: int = DEFAULT_RUNS,
    seed: int = 0,
):
    """One session's page (Panel calls this once per browser session)."""
    import panel as pn

    dashboard = Dashboard(scenario, protocol, n_runs, seed)
    template = pn.template.BootstrapTemplate(
        title="negsim: one negotiation, and the distribution of many",
        sidebar=dashboard.sidebar(),
        main=dashboard.main(),
        sidebar_width=300,
        header_background="#264653",
        raw_css=[PAGE_CSS],
    )
    template.dashboard = dashboard  # for tests and debugging
    return template


def serve(port: int = DEFAULT_PORT, host: str = DEFAULT_HOST, show: bool = False, **app_options):
    """Serve the dashboard (blocks). Every asset comes from this server (no CDN)."""
    os.environ["BOKEH_RESOURCES"] = "server"
    import panel as pn

    pn.config.inline = False  # assets from this server's /static/, never a CDN
    if host in LOOPBACK:
        origins = [f"{host}:{port}", f"localhost:{port}", f"127.0.0.1:{port}"]
    else:  # a classroom server (--host 0.0.0.0): students' browsers reach it by its address
        origins = ["*"]
    from sim.teaching import seat

    store, build = seat.SeatStore(), seat.build_from(composed)  # the class's seats: outputs/classroom/
    pages = {
        "/": lambda: create_app(**app_options),
        "/seat": lambda: seat.create_seat_app(build, scenario_names(), protocol_names(), store, app_options.get("seed", 0)),
        "/debrief": lambda: seat.create_debrief_app(store),
    }
    return pn.serve(
        pages,
        port=port,
        address=host,
        show=show,
        title="negsim dashboard",
        websocket_origin=origins,
        print_url=True,
    )


def check_address(parser: argparse.ArgumentParser, host: str, port: int) -> None:
    """A port that exists (exit 2) and that this machine lets us listen on (exit 1: taken,
    or not ours to bind), tried before the server starts; a warning for a non-loopback host."""
    if not 1 <= port <= 65535:
        parser.error(f"--port: {port} is not a port number (1 to 65535)")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        parser.error(f"--host: cannot resolve {host!r} ({error.strerror})")
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
        try:
            probe.bind(address)
        except OSError as error:
            print(f"{parser.prog}: error: cannot listen on {host}:{port}: {error.strerror}", file=sys.stderr)
            sys.exit(EXIT_ENVIRONMENT)
    if host not in LOOPBACK:
        print(
            f"{parser.prog}: warning: listening on {host}, not only this machine: anyone who can reach "
            f"port {port} can use the dashboard (and its CPU)",
            file=sys.stderr,
        )


def main(argv: list[str] | None = None) -> None:
    """Console entry point (``negsim-dashboard``)."""
    parser = OneLineParser(
        prog="negsim-dashboard", description="Teaching dashboard in the browser (offline)."
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})"
    )
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}; 0.0.0.0: a classroom network)",
    )
    parser.add_argument(
        "--scenario", default="lieven_2022", help="scenario at start (default lieven_2022)"
    )
    parser.add_argument(
        "--protocol", default="single_text", help="protocol at start (default single_text)"
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=DEFAULT_RUNS,
        help=f"runs per distribution at start (default {DEFAULT_RUNS:,})",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed at start (default 0)")
    parser.add_argument("--show", action="store_true", help="open a browser tab")
    args = parser.parse_args(argv)
    try:
        import panel  # noqa: F401 (the `dashboard` extra)
    except ImportError:
        parser.error("needs Panel, which is not installed: pip install 'negsim[dashboard]'")
    if args.scenario not in scenario_names():
        parser.error(
            f"--scenario: unknown scenario {args.scenario!r}; use one of {scenario_names()}"
        )
    if args.protocol not in protocol_names():
        parser.error(
            f"--protocol: unknown protocol {args.protocol!r}; use one of {protocol_names()}"
        )
    if not MIN_RUNS <= args.runs <= MAX_RUNS:
        parser.error(f"--runs: {args.runs} is outside the runs control's range ({MIN_RUNS} to {MAX_RUNS:,})")
    if args.seed < 0:
        parser.error(f"--seed: {args.seed} is not a seed (a whole number >= 0)")
    check_address(parser, args.host, args.port)
    serve(
        args.port,
        args.host,
        args.show,
        scenario=args.scenario,
        protocol=args.protocol,
        n_runs=args.runs,
        seed=args.seed,
    )


if __name__ == "__main__":
    main()
