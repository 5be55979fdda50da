"""Publication figures (issue #17): labels in words, titles that say what was run, visible
intervals, axes not truncated. Each test reads the matplotlib objects (tick labels, titles,
plotted data), not the PNG; the sweep's paper figure and heatmaps are tested in
test_sweep.py, on its real sweep."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.container import ErrorbarContainer

from analysis.explorer import explore, plot_package_items, plot_package_ranking
from analysis.figures import plot_acceptance, plot_rungs, plot_status, pyplot
from analysis.optimize import offer_columns, outcome_columns, parse_objective, plot_ranking, plot_tradeoff, search_offers
from analysis.conditions import parse_conditions
from sim import labels
from sim.montecarlo import MonteCarlo, run_monte_carlo
from sim.protocols import Protocol
from sim.summary import P_WAR_CAPTION

pyplot()  # headless


@pytest.fixture(autouse=True)
def _close():
    yield
    pyplot().close("all")


def test_labels_of_keys_packages_statuses_and_metrics(bundled_scenario):
    assert labels.key_label("scenario.actors.russia.reservation.value") == "Russia's reservation"
    assert labels.key_label("scenario.actors.russia.deadline.value") == "Russia's deadline in rounds"
    assert labels.key_label("scenario.escalation.beta_gap.low") == "Escalation weight of the gap β_gap (lower bound)"
    assert labels.key_label("scenario.actors.nato_allies.reservation.high") == "NATO allies' reservation (upper bound)"
    assert labels.key_label("scenario.opening_offer.donbas") == "Opening offer: Donbas"
    assert labels.key_label("mc.seed") == "Seed"
    assert labels.key_label("not.a.key") == "not.a.key"  # unknown: as it is, never wrong words
    scenario = bundled_scenario("lieven_2022")
    package = [1, 1, 1, 1, 0]  # moratorium, adapted CFE, INF, Minsk II, no UN process
    assert labels.package_label(scenario, package) == "moratorium · adapted CFE · INF · Minsk II · —"
    assert labels.package_label(scenario, [0] * 5) == " · ".join(["—"] * 5)
    assert labels.package_key(scenario).startswith("NATO membership · Force posture")
    assert labels.status_label("war") == "status war" and labels.status_label("nato_russia_war") == "NATO-Russia war"
    assert labels.metric_label("p_war") == "P(war)" and labels.metric_label("p.war") == "P(status war)"
    assert labels.metric_label("p_agreement") == labels.metric_label("p.agreement") == "P(agreement)"
    assert labels.value_label("protocol", "single_text") == "single text"
    assert labels.value_label("scenario.opening_offer.nato_membership", "moratorium_20y") == "20-year moratorium"


def test_summary_figures_in_words(small_scenario, tmp_path):
    summary = run_monte_carlo(small_scenario, Protocol(max_rounds=4), "batch", MonteCarlo(n_runs=200, seed=1), tmp_path)
    fig = plot_status(summary)
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert ticks == ["agreement", "ratification failed", "NATO-Russia war", "status war", "limited escalation", "stalemate"]
    title = fig.axes[0].get_title()
    assert P_WAR_CAPTION in title and "200 runs" in title and "seed 1" in title
    assert len(fig.axes[0].containers) == 2  # the bars and their error bars
    rungs = [t.get_text() for t in plot_rungs(summary).axes[0].get_xticklabels()]
    assert "full-scale invasion" in rungs and "full_scale_invasion" not in rungs
    actors = [t.get_text() for t in plot_acceptance(summary).axes[0].get_xticklabels()]
    assert "Russia" in actors and "US" in actors


@pytest.fixture(scope="module")
def lieven(bundled_scenario):
    scenario = bundled_scenario("lieven_2022")
    return explore(scenario, Protocol(), seed=5, n_runs=600)


def test_package_ranking_is_ranked_with_intervals_and_words(lieven):
    fig = plot_package_ranking(lieven, top=12)
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert len(ticks) == 12 and all(t.count(" · ") == 4 for t in ticks)
    assert not any("#" in t for t in ticks)  # no "#106 22120"
    (bars,) = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    x, y = bars.lines[0].get_data()
    top = lieven.packages["p_ratified"].nlargest(12).to_numpy()
    assert np.allclose(np.asarray(x)[np.argsort(-np.asarray(y))], top)  # the top of the list is the best
    assert bars.has_xerr
    frame = lieven.packages
    best = frame.sort_values(["p_ratified", "package"], ascending=[False, True]).iloc[0]
    label = labels.package_label(lieven.scenario, lieven.scenario.packages[int(best["package"])])
    assert ticks[0].startswith(label)  # the first row from the top (largest y) is the best
    assert "600 draws" in ax.get_title() and "seed 5" in ax.get_title()
    assert ax.get_xlim()[0] == 0


def test_package_items_one_panel_per_item(lieven):
    fig = plot_package_items(lieven)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == [labels.item_words(i.name) for i in lieven.scenario.items]
    first = [t.get_text() for t in visible[0].get_xticklabels()]
    assert first == ["open door", "moratorium", "ban"]
    assert len(visible[0].collections) >= 3  # intervals, packages, level means


def test_offer_figures_show_intervals_from_zero(small_scenario):
    protocol = Protocol(max_rounds=4)
    search = search_offers(
        small_scenario, protocol, "batch", MonteCarlo(n_runs=60, seed=2),
        parse_objective("p_war", "auto", small_scenario, protocol),
        parse_conditions([], offer_columns(small_scenario), "where"),
        parse_conditions([], outcome_columns(small_scenario), "subject_to"),
    )  # fmt: skip
    fig = plot_tradeoff(search)
    ax = fig.axes[0]
    points = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert points and all(c.has_xerr and c.has_yerr for c in points)
    rows = search.table[search.table["allowed"]]
    assert ax.get_xlim()[0] == 0 and ax.get_xlim()[1] >= rows["p_war_hi"].max()
    assert ax.get_ylim()[0] == 0 and ax.get_ylim()[1] >= rows["hi.agreement"].max()
    assert small_scenario.name in ax.get_title() and "60 paired runs" in ax.get_title() and "seed 2" in ax.get_title()
    assert "protocol" in ax.get_title()
    ranking = plot_ranking(search).axes[0]
    assert ranking.get_xlim()[0] == 0
    assert all(" · " in t.get_text() for t in ranking.get_yticklabels())
