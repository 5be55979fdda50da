"""The teaching notes' figures (``python -m sim.teaching.exercises``) on a few runs, and the
fixed-prior override idiom the notes use.

The figures are checked for what they show, not only for being PNG files: each figure object
is kept as it is saved (a spy around ``save_figure``), its plotted numbers are compared with
the same quantities computed independently through :func:`sim.api.run` (the ``negsim``
config and Monte Carlo; the same seed gives the same draws), and each PNG has the figure's
size in pixels and is not blank.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml
from matplotlib.container import BarContainer

from sim import api
from sim.teaching import exercises
from sim.teaching.exercises import configure, fixed, make_all

N = 300
REPO = Path(__file__).resolve().parents[2]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
RUSSIA = "scenario.actors.russia"


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR", path
    return struct.unpack(">II", data[16:24])


def p_agreement(result) -> float:
    return result.summary["status"]["agreement"]["count"] / result.summary["n_runs"]


@pytest.fixture(scope="module")
def figures(tmp_path_factory) -> dict[str, tuple[object, int, Path]]:
    """``make_all(tmp, n=300)``, each figure kept with its dpi: ``{file name: (figure, dpi, path)}``."""
    out = tmp_path_factory.mktemp("teaching")
    real, saved = exercises.save_figure, {}

    def spy(fig, path, dpi=110, palette=False):
        written = real(fig, path, dpi=dpi, palette=palette)
        saved[Path(path).name] = (fig, dpi, written)
        return written

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(exercises, "save_figure", spy)
        paths = make_all(out, n=N)
    assert sorted(path.name for path in paths) == sorted(saved)
    return saved


def test_teaching_figures_are_made(figures):
    from PIL import Image

    assert sorted(figures) == [
        "ex1_russia_batna.png",
        "ex1_us_response_transcript.png",
        "ex2_single_item.png",
        "ex3_deadline_boulware.png",
    ]
    for name, (fig, dpi, path) in figures.items():
        width, height = fig.get_size_inches() * dpi
        assert png_size(path) == (round(width), round(height)), name
        with Image.open(path) as image:
            assert image.mode == "P"  # palette=True: 256 colours
            colours = image.convert("RGB").getcolors(maxcolors=256)
        assert colours is not None and len(colours) > 16, name  # drawn, not blank
        white = max(count for count, colour in colours if colour == (255, 255, 255))
        assert white < 0.95 * image.width * image.height, name


def test_ex1_histogram_is_russias_batna_in_the_monte_carlo(figures, tmp_path):
    """The red histogram counts Russia's reservation draws of ``negsim
    experiment=ball_in_their_court`` (its outcomes table), bin for bin; the US response's
    utility line is at 0."""
    fig, _, _ = figures["ex1_russia_batna.png"]
    (ax,) = fig.axes
    api.run("us_response_2022", "ultimatum", n_runs=N, seed=exercises.SEED,
            overrides=["experiment=ball_in_their_court"], save_to=tmp_path)  # fmt: skip
    reservation = pq.read_table(tmp_path / "outcomes.parquet").column(f"{RUSSIA}.reservation").to_numpy()
    batna, lieven = [c for c in ax.containers if isinstance(c, BarContainer)]
    counts, _ = np.histogram(reservation, bins=np.linspace(-0.05, 0.5, 45))
    assert [bar.get_height() for bar in batna] == counts.tolist()
    assert sum(bar.get_height() for bar in lieven) > 0
    (status_quo,) = ax.lines
    assert list(status_quo.get_xdata()) == [0.0, 0.0]
    assert ax.get_ylabel() == f"runs (of {N:,})"


def test_ex1_transcript_is_run_4_of_the_monte_carlo(figures, tmp_path):
    """The mediated transcript's rounds are those of run 4 in ``negsim
    scenario=us_response_2022 mc.seed=0``."""
    fig, _, _ = figures["ex1_us_response_transcript.png"]
    api.run("us_response_2022", n_runs=N, seed=exercises.SEED, save_to=tmp_path)
    table = pq.read_table(tmp_path / "outcomes.parquet").to_pandas().set_index("run")
    rounds = int(table.loc[exercises.EX1_RUN, "rounds"])
    assert table.loc[exercises.EX1_RUN, "status"] == "agreement" and rounds > 1
    ax = fig.axes[0]
    assert list(ax.get_xticks()) == list(range(1, rounds + 1))
    assert f"run {exercises.EX1_RUN} (seed {exercises.SEED})" in ax.get_title()


def test_ex2_bars_are_paired_differences_of_p_agreement(figures):
    """Each panel's title is P(agreement) of Lieven's package in ``negsim``, and its first bar
    is P(agreement) with the first item's first other level as the opening offer, minus that."""
    fig, _, _ = figures["ex2_single_item.png"]
    data = yaml.safe_load((REPO / "scenarios" / "lieven_2022.yaml").read_text(encoding="utf-8"))
    first_item = next(iter(data["items"]))
    other = next(level for level in data["items"][first_item]["levels"] if level != data["opening_offer"][first_item])
    n_bars = sum(len(item["levels"]) - 1 for item in data["items"].values())
    panels = fig.axes[:2]
    for ax, protocol in zip(panels, ("ultimatum", "single_text")):
        base = p_agreement(api.run("lieven_2022", protocol, n_runs=N, seed=exercises.SEED))
        assert ax.get_title().endswith(f"P(agreement) with Lieven's package: {base:.1%}"), ax.get_title()
        variant = p_agreement(api.run("lieven_2022", protocol, n_runs=N, seed=exercises.SEED,
                                      overrides=[f"scenario.opening_offer.{first_item}={other}"]))  # fmt: skip
        (bars,) = [c for c in ax.containers if isinstance(c, BarContainer)]
        assert len(bars) == n_bars
        assert bars[0].get_width() == pytest.approx(100 * (variant - base), abs=1e-9), protocol
    widths = [bar.get_width() for ax in panels for c in ax.containers if isinstance(c, BarContainer) for bar in c]
    assert any(abs(width) > 0 for width in widths)  # some item moves P(agreement)


def test_ex3_aspiration_curves_and_deadline_scan(figures):
    """Left: aspiration starts at 1 and reaches the BATNA (0) at the deadline; at mid-way a
    Boulware negotiator asks the most and a Conceder the least. Right: a plotted point equals
    ``negsim`` with Russia's exponent and deadline fixed by the notes' overrides."""
    fig, _, _ = figures["ex3_deadline_boulware.png"]
    left, right = fig.axes[:2]
    curves = {line.get_label(): line.get_ydata() for line in left.lines}
    assert len(curves) == 6
    for deadline in (4, 10):
        mid = {}
        for label, y in curves.items():
            if label.endswith(f"T = {deadline}"):
                assert y[0] == pytest.approx(1.0) and y[deadline] == pytest.approx(0.0), label
                mid[label.split(" ")[0]] = y[deadline // 2]
        assert mid["Boulware"] > mid["linear"] > mid["Conceder"], mid
    lines = {line.get_label(): line for line in right.lines}
    for e, name, deadline in ((1.0, "linear e = 1", 4), (0.3, "Boulware e = 0.3", 12)):
        overrides = [*fixed(f"{RUSSIA}.concession_exponent", e), *fixed(f"{RUSSIA}.deadline", deadline)]
        summary = api.run("lieven_2022", n_runs=N, seed=exercises.SEED, overrides=overrides).summary
        at = list(exercises.DEADLINES).index(deadline)
        agreement = lines[f"{name}: agreement"].get_ydata()[at]
        war = lines[f"{name}: P(war)"].get_ydata()[at]
        counts = {status: estimate["count"] for status, estimate in summary["status"].items()}
        assert agreement == pytest.approx(100 * counts["agreement"] / N, abs=1e-9), name
        assert war == pytest.approx(100 * summary["p_war"]["count"] / N, abs=1e-9), name


def test_fixed_prior_overrides():
    """``...deadline.dist=fixed ...deadline.value=6 ...deadline.low=null ...deadline.high=null``
    (docs/teaching.md, exercise 3) makes a fixed prior."""
    scenario, _protocol = configure(
        ["scenario=lieven_2022", *fixed("scenario.actors.russia.deadline", 6)]
    )
    prior = scenario.prior("actors.russia.deadline")
    assert (prior.dist, prior.params) == ("fixed", {"value": 6.0})
