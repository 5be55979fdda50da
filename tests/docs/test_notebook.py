"""The example notebook (``docs/examples/python_api.ipynb``) runs in a fresh Jupyter kernel, every
number its text quotes in bold is in its outputs, the quoted P(war) is the API's (computed here,
outside the notebook), the committed outputs are what it computes now, and its figures show."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

import sim
from tests.docs.notebooks import NOTEBOOKS, ROOT, claims, execute, text_outputs

NOTEBOOK = ROOT / "docs" / "examples" / "python_api.ipynb"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def executed():
    return {path: execute(path) for path in NOTEBOOKS}


def test_the_example_notebook_is_found():
    assert NOTEBOOK in NOTEBOOKS


def test_every_number_the_text_quotes_is_in_the_outputs(executed):
    for path, notebook in executed.items():
        quoted = claims(notebook)
        assert len(quoted) >= 5, path  # the check is not vacuous
        outputs = "\n".join(text_outputs(notebook))
        assert [claim for claim in quoted if claim not in outputs] == [], f"{path.name}: rerun python -m tests.docs.notebooks and update the text"


def test_the_quoted_p_war_is_the_apis(executed):
    quoted = claims(executed[NOTEBOOK])
    assert str(sim.run("lieven_2022", n_runs=4000, seed=0).p_war) in quoted
    assert str(sim.run("us_response_2022", n_runs=4000, seed=0).p_war) in quoted


def test_the_committed_outputs_are_what_the_notebook_computes(executed):
    for path, notebook in executed.items():
        committed = nbformat.read(path, as_version=4)
        assert text_outputs(committed) == text_outputs(notebook), f"{path.name}: rerun python -m tests.docs.notebooks"


def test_the_figures_show_in_the_notebook(executed):
    """The API's plots show in a notebook (its inline backend is kept): one image each."""
    images = [o for cell in executed[NOTEBOOK].cells if cell.cell_type == "code" for o in cell.outputs if "image/png" in o.get("data", {})]
    assert len(images) == 2


def test_a_quoted_number_missing_from_the_outputs_is_caught():
    notebook = new_notebook(cells=[new_markdown_cell("P(war) is **12.0% [10.0%, 14.0%]**, and **bold words** are not claims"), new_code_cell("print(x)")])
    notebook.cells[1].outputs = [new_output("stream", name="stdout", text="P(war) 12.5% [10.0%, 14.0%]\n")]
    quoted = claims(notebook)
    assert quoted == ["12.0% [10.0%, 14.0%]"]
    assert quoted[0] not in "\n".join(text_outputs(notebook))
