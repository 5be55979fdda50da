"""The dashboard's session object, without a browser: controls change the distribution, each
session has its own state, and stepping one negotiation replays the Monte Carlo's run K."""

from __future__ import annotations

import numpy as np
import param
import pytest

from sim.engines import get_engine
from sim.sampling import draw

pytest.importorskip("panel")

from sim.teaching.dashboard import Dashboard, composed, demote_headings
from sim.teaching.words import GLOSSARY, number

N = 4000


def agreement(dashboard: Dashboard) -> float:
    return dashboard.summary["status"]["agreement"]["p"]


def test_controls_change_the_distribution_of_this_session_only():
    one, other = Dashboard(n_runs=N), Dashboard(n_runs=N)
    assert one.summary == other.summary
    before = agreement(one)
    one.offer_selects["nato_membership"].value = "open_door"
    assert agreement(one) != before
    assert one.previous["status"]["agreement"]["p"] == before  # the dashed "before" outlines
    assert list(one.status_ghost.data["p"]) and not list(other.status_ghost.data["p"])
    assert agreement(other) == before
    assert one.settings()[0].opening_offer[0] == 0 and other.settings()[0].opening_offer[0] == 1
    assert "open door" in one.distribution_text.object


def test_a_moved_prior_slider_makes_a_uniform_or_fixed_prior():
    dashboard = Dashboard(n_runs=N)
    reservation = dashboard.priors[0]
    assert reservation.path == ("actors", "russia", "reservation")
    untouched = dashboard.settings()[0].prior("actors.russia.reservation")
    scenario_prior = composed("lieven_2022", "single_text")["scenario"]["actors"]["russia"][
        "reservation"
    ]
    assert (untouched.dist, untouched.params["low"], untouched.params["high"]) == (
        scenario_prior["dist"],
        scenario_prior["low"],
        scenario_prior["high"],
    )
    before = agreement(dashboard)
    widget = reservation.widget
    widget.value = (0.3, 0.35)
    with param.edit_constant(widget):
        widget.value_throttled = (0.3, 0.35)  # what the browser sends on release
    prior = dashboard.settings()[0].prior("actors.russia.reservation")
    assert (prior.dist, prior.params["low"], prior.params["high"]) == ("uniform", 0.3, 0.35)
    assert agreement(dashboard) < before  # a higher BATNA for Russia: fewer agreements
    widget.value = (0.2, 0.2)
    assert dashboard.settings()[0].prior("actors.russia.reservation").dist == "fixed"


def test_scenario_change_rebuilds_the_controls():
    dashboard = Dashboard(n_runs=N)
    dashboard.scenario_select.value = "arms_control_first"
    assert "sanctions_relief" in dashboard.offer_selects
    assert dashboard.summary["scenario"] == "arms_control_first"
    dashboard.scenario_select.value = "allies_split"
    labels = [control.text for control in dashboard.priors]
    assert any("Turkey" in label for label in labels)
    dashboard.protocol_select.value = "ultimatum"
    assert dashboard.summary["protocol"] == "ultimatum"


def test_stepping_one_negotiation_replays_run_k():
    dashboard = Dashboard(n_runs=N, seed=3)
    dashboard.run_input.value = 7
    assert dashboard.replay.run == 7 and not dashboard.replay.records
    rounds = 0
    while not dashboard.replay.finished:
        dashboard.step()
        rounds += 1
        assert f"Round {rounds}" in dashboard.round_text.object
        assert list(dashboard.negotiation_sources[0].data["round"]) == list(range(1, rounds + 1))
    assert "How it ended" in dashboard.round_text.object
    assert dashboard.step_button.disabled
    scenario, protocol = dashboard.settings()
    batch = get_engine("batch")(scenario, protocol, draw(scenario, protocol, 3, 7, 8))
    assert dashboard.replay.model.status == batch.status[0] and rounds == batch.rounds[0]
    dashboard.restart_button.clicks += 1
    assert not dashboard.replay.records and not dashboard.step_button.disabled


def test_bad_settings_show_a_message_instead_of_failing():
    dashboard = Dashboard(n_runs=N)
    summary = dashboard.summary
    dashboard.base["scenario"]["actors"]["russia"]["reservation"]["high"] = 2.0  # outside [-1, 1]
    dashboard._on_change()
    assert (
        dashboard.message.visible
        and "scenario.actors.russia.reservation" in dashboard.message.object
    )
    assert dashboard.summary is summary and dashboard.replay is None
    dashboard.scenario_select.value = "us_response_2022"  # a new scenario clears the message
    assert not dashboard.message.visible and dashboard.replay is not None


def test_a_control_change_is_one_batch_monte_carlo_and_no_composition(monkeypatch):
    """What keeps a control change quick (its timing belongs to the benchmarks): the default
    20,000 runs go through one Monte Carlo with the compiled batch engine, writing nothing,
    and no config is composed again (composing takes about half a second)."""
    import sim.api
    from sim.teaching import dashboard as module

    dashboard = Dashboard()
    assert dashboard.summary["n_runs"] == 20_000
    calls = []
    real = sim.api.run_monte_carlo

    def spy(scenario, protocol, engine, mc, *args, **kwargs):
        calls.append((engine, mc, args, kwargs))
        return real(scenario, protocol, engine, mc, *args, **kwargs)

    monkeypatch.setattr(sim.api, "run_monte_carlo", spy)
    composed_before = module._composed_json.cache_info().misses
    dashboard.offer_selects["nato_membership"].value = "open_door"
    assert len(calls) == 1, calls
    engine, mc, args, kwargs = calls[0]
    assert engine == "batch" and mc.n_runs == 20_000 and not mc.save_outcomes
    assert (args[0] if args else kwargs.get("out_dir")) is None  # nothing written
    assert module._composed_json.cache_info().misses == composed_before
    assert dashboard.summary["n_runs"] == 20_000 and dashboard.summary["status"] != dashboard.previous["status"]


def test_demote_headings():
    assert demote_headings("# A\ntext\n## B") == "### A\ntext\n#### B"
    assert np.isclose(sum(e["p"] for e in Dashboard(n_runs=500).summary["status"].values()), 1.0)


def test_the_distribution_line_shows_p_war_by_the_highest_rung():
    """DESIGN.md "Statuses": the line's P(war) is the summary's ``p_war`` (sim.summary.p_war:
    highest rung at least full-scale invasion), not the statuses war and NATO-Russia war."""
    from sim.core.enums import RUNG_NAMES
    from sim.summary import p_war

    dashboard = Dashboard(n_runs=N)
    summary = dashboard.summary
    counts = [summary["highest_rung"][name]["count"] for name in RUNG_NAMES]
    war = p_war(range(len(RUNG_NAMES)), counts)
    assert summary["p_war"] == war
    text = dashboard.distribution_text.object
    assert f"**P(war) = {war['p']:.1%}** [{war['lo']:.1%}, {war['hi']:.1%}] (highest rung ≥ full-scale invasion)" in text
    assert "war or worse" not in text


def test_the_aftermath_control_makes_the_crisis_go_on():
    """Under the ultimatum, more periods after the talks can only add wars: P(highest rung >= 3)
    grows when K moves from the scenario's prior to a fixed 6, and the prior becomes an
    integer family."""
    dashboard = Dashboard(n_runs=N)
    dashboard.protocol_select.value = "ultimatum"
    control = next(c for c in dashboard.priors if c.path == ("escalation", "aftermath"))
    rungs = dashboard.summary["highest_rung"]
    war = lambda: sum(dashboard.summary["highest_rung"][k]["count"] for k in list(rungs)[3:])  # noqa: E731
    before = war()
    control.widget.value = (6.0, 6.0)
    with param.edit_constant(control.widget):
        control.widget.value_throttled = (6.0, 6.0)
    assert dashboard.settings()[0].prior("escalation.aftermath").params == {"value": 6.0}
    assert war() > before
    control.widget.value = (0.0, 6.0)
    assert dashboard.settings()[0].prior("escalation.aftermath").dist == "uniform_integer"


def test_the_anticipation_checkbox_is_the_protocols_switch():
    dashboard = Dashboard(n_runs=N)
    assert dashboard.settings()[1].anticipate_ratification is True
    dashboard.anticipate.value = False
    assert dashboard.settings()[1].anticipate_ratification is False
    dashboard.protocol_select.value = "alternating"
    assert dashboard.anticipate.disabled


class _SessionDocument:
    """A server session's document, as far as the dashboard uses it: the redraws it is handed
    wait here until the test runs them (as the session's event loop would)."""

    session_context = object()

    def __init__(self):
        self.callbacks = []

    def add_next_tick_callback(self, callback):
        self.callbacks.append(callback)


def test_in_a_server_a_newer_change_supersedes_a_queued_one(monkeypatch):
    """In a server session the runs go to the shared pool; while they wait there (the pool
    busy with other sessions), a newer change cancels them: of three quick changes only the
    last is computed and shown, and the event loop is never blocked by a Monte Carlo."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from sim.teaching import dashboard as module

    dashboard = Dashboard(n_runs=N)  # built outside a server: its first distribution at once
    document = _SessionDocument()
    dashboard._doc = document
    pool, gate = ThreadPoolExecutor(max_workers=1), threading.Event()
    monkeypatch.setattr(module, "POOL", pool)
    computed = []
    real = module._distribution
    monkeypatch.setattr(module, "_distribution", lambda *a: computed.append(a[2].seed) or real(*a))
    pool.submit(gate.wait)  # another session's Monte Carlo holds the only worker
    before = dashboard.summary
    dashboard.offer_selects["nato_membership"].value = "open_door"
    dashboard.offer_selects["nato_membership"].value = "permanent_ban"
    dashboard.seed_input.value = 5
    assert dashboard.summary is before and not document.callbacks  # nothing ran on the caller's thread
    gate.set()
    pool.shutdown(wait=True)
    assert computed == [5], computed  # the two earlier requests were cancelled in the queue
    (redraw,) = document.callbacks
    redraw()
    assert dashboard.summary is not before and dashboard.previous is before
    text = dashboard.distribution_text.object
    assert "(seed 5," in text and "Opening offer: permanent ban" in text, text


def test_a_stale_result_is_not_shown():
    """A Monte Carlo already running when a newer change came finishes, but its redraw is
    dropped: the charts never go back to older settings."""
    dashboard = Dashboard(n_runs=N)
    shown, text = dashboard.summary, dashboard.distribution_text.object
    stale = dashboard._latest
    dashboard._latest += 1  # a newer request, its result on its way
    scenario, protocol = dashboard.settings()
    dashboard._show(stale, {"status": {}}, 0.0, scenario, protocol, None)
    assert dashboard.summary is shown and dashboard.distribution_text.object == text


def test_controls_without_effect_under_the_protocol_are_disabled_with_the_reason():
    dashboard = Dashboard(n_runs=N)
    assert not any(control.widget.disabled for control in dashboard.priors) and not dashboard.protocol_note.object
    dashboard.protocol_select.value = "ultimatum"
    off = {control.path[-1] for control in dashboard.priors if control.widget.disabled}
    assert off == {"deadline", "concession_exponent"}
    for control in dashboard.priors:
        assert ("no effect under ultimatum: one round" in control.text) == control.widget.disabled
    assert "no effect under ultimatum" in dashboard.protocol_note.object
    assert dashboard.anticipate.disabled and "no mediator" in dashboard.anticipate.label
    dashboard.protocol_select.value = "alternating"
    assert not any(control.widget.disabled for control in dashboard.priors)
    assert dashboard.anticipate.disabled
    dashboard.protocol_select.value = "single_text"
    assert not dashboard.anticipate.disabled and dashboard.anticipate.label == "The mediator anticipates ratification"


def test_a_prior_caption_reads_a_fixed_value_as_one_number():
    dashboard = Dashboard(n_runs=N)
    reservation = dashboard.priors[0]
    assert reservation.text == "Russia: BATNA r: 0.05 to 0.35"  # the scenario's uniform prior
    reservation.widget.value = (0.05, 0.05)
    assert reservation.text == "Russia: BATNA r: 0.05" and "0.05 .. 0.05" not in reservation.caption.object
    reservation.widget.value = (0.1, 0.2)
    assert reservation.text == "Russia: BATNA r: uniform 0.10 to 0.20"
    hold = next(control for control in dashboard.priors if control.path[-1] == "hold")
    assert hold.text.endswith("P(it holds): 1.00")  # the scenario's fixed prior


@pytest.mark.parametrize(
    ("control", "value", "refusal"),
    [
        ("runs_input", 50, "Runs (N): must be a whole number from 100 to 200,000 (got 50)"),
        ("runs_input", 300_000, "Runs (N): must be a whole number from 100 to 200,000 (got 300000)"),
        ("runs_input", None, "Runs (N): must be a whole number"),
        ("seed_input", -1, "Seed: must be a whole number >= 0 (got -1)"),
        ("run_input", -1, "Run K: must be a run of the Monte Carlo: a whole number from 0 to 3,999 (got -1)"),
        ("run_input", N, f"Run K: must be a run of the Monte Carlo: a whole number from 0 to 3,999 (got {N})"),
    ],
)
def test_an_input_out_of_range_is_refused_on_the_page(control, value, refusal):
    """Nothing is clamped or dropped silently: the page says which input and its range, keeps
    the last distribution, and has no run to step until the input is corrected."""
    dashboard = Dashboard(n_runs=N)
    summary = dashboard.summary
    getattr(dashboard, control).value = value
    assert dashboard.message.visible and refusal in dashboard.message.object
    assert dashboard.summary is summary
    assert dashboard.replay is None and dashboard.step_button.disabled
    getattr(dashboard, control).value = {"runs_input": N, "seed_input": 0, "run_input": 0}[control]
    assert not dashboard.message.visible and dashboard.replay is not None and not dashboard.step_button.disabled


def test_play_after_the_end_and_the_run_is_over_message():
    """Under the ultimatum the talks have one round (then the crisis may go on): at the end
    Step greys out, a line says the run is over and how; Play then replays it from the
    start and shows Pause until the run ends again."""
    dashboard = Dashboard(n_runs=N, protocol="ultimatum")
    while not dashboard.replay.finished:
        assert not dashboard.step_button.disabled and "is over" not in dashboard.run_state.object
        dashboard.step()
    assert dashboard.step_button.disabled
    status = dashboard.replay.status.replace("_", " ")
    assert dashboard.run_state.object.startswith(f"**Run 0 is over: {status}** after 1 round")
    dashboard.play_button.value = True  # after the end: a fresh replay, playing
    assert not dashboard.replay.records and dashboard.play_button.label == "Pause ❚❚"
    assert dashboard._play_callback is not None and "ready" in dashboard.run_state.object
    while not dashboard.replay.finished:
        dashboard.step()  # what the periodic callback does
    assert not dashboard.play_button.value and dashboard.play_button.label == "Play ▶"
    assert dashboard._play_callback is None and "is over" in dashboard.run_state.object


def test_each_step_explains_its_refusals_from_the_record():
    dashboard = Dashboard(n_runs=N)
    dashboard.step()
    record = dashboard.replay.records[0]
    why = dashboard.why_text.object
    assert why.startswith("**Why, in round 1:**")
    for a in np.flatnonzero(record.asked & ~record.accepted):
        u, asp = record.utilities[a], record.aspirations[a]
        if u < asp:
            assert f"the text gives {number(u)} against an aspiration of {number(asp)}" in why
    assert f"Escalation draw {record.result.u_climb:.3f}" in why
    assert "refuses:" not in dashboard.round_text.object  # said once, in the box above


def test_no_code_in_the_teachers_view_and_the_details_fold_has_it():
    dashboard = Dashboard(n_runs=N, protocol="ultimatum")  # run 0 ends in limited_escalation
    while not dashboard.replay.finished:
        dashboard.step()
    teacher = [
        dashboard.header_text, dashboard.round_text, dashboard.why_text, dashboard.run_state, dashboard.distribution_text,
        dashboard.full_text,
    ]  # fmt: skip
    status = dashboard.replay.status
    assert "_" in status  # a status whose name is code (limited_escalation), not a word
    for pane in teacher:
        assert "draw(" not in pane.object and "`negsim" not in pane.object and status not in pane.object
    assert "draw(scenario, protocol, seed=0, start=0, stop=1)" in dashboard.details_text.object
    assert "negsim-transcript scenario=lieven_2022 protocol=ultimatum mc.seed=0 run=0" in dashboard.details_text.object


def test_the_export_is_the_whole_page_in_one_self_contained_file():
    dashboard = Dashboard(n_runs=N)
    dashboard.priors[0].widget.value = (0.2, 0.2)
    for _ in range(2):
        dashboard.step()
    page = dashboard.export_file().read()
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    for part in ("The distribution", "P(agreement)", "Why, in round 1", "Why, in round 2", "Round 2", "Glossary", "Russia: BATNA r: 0.20"):
        assert part in page, part
    assert page.count('src="data:image/png;base64,') == 3  # both distributions and the negotiation
    assert "http://" not in page and "https://" not in page  # nothing to fetch: it prints offline
    assert all(term.split(" (")[0].capitalize() in page for term in GLOSSARY)
