"""Generated parts of the docs stay in step with the code they describe."""

from __future__ import annotations

from pathlib import Path

from sim.parameters import markdown_table

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_the_scenario_format_lists_the_parameter_table():
    text = (DOCS / "scenario-format.md").read_text(encoding="utf-8")
    listed = text.split("<!-- parameters:begin -->\n", 1)[1].split("\n<!-- parameters:end -->", 1)[0]
    assert listed == markdown_table(), "regenerate the table: print(sim.parameters.markdown_table())"
