"""The teaching notes' figures (``python -m sim.teaching.exercises``) on a few runs, and the
fixed-prior override idiom the notes use."""

from __future__ import annotations

from sim.teaching.exercises import configure, fixed, make_all


def test_teaching_figures_are_made(tmp_path):
    paths = make_all(tmp_path, n=300)
    assert sorted(path.name for path in paths) == [
        "ex1_russia_batna.png",
        "ex1_us_response_transcript.png",
        "ex2_single_item.png",
        "ex3_deadline_boulware.png",
    ]
    for path in paths:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_fixed_prior_overrides():
    """``...deadline.dist=fixed ...deadline.value=6 ...deadline.low=null ...deadline.high=null``
    (docs/teaching.md, exercise 3) makes a fixed prior."""
    scenario, _protocol = configure(
        ["scenario=lieven_2022", *fixed("scenario.actors.russia.deadline", 6)]
    )
    prior = scenario.actors[scenario.actor_names.index("russia")].deadline
    assert (prior.dist, prior.params) == ("fixed", {"value": 6.0})
