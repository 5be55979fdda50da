"""Running the documentation's notebooks (``docs/examples/*.ipynb``) as a reader would: a
fresh Jupyter kernel (nbclient, this environment's ``python3`` kernel), cells in order, in
the notebook's folder.

``python -m tests.docs.notebooks`` runs each notebook and writes it back with its outputs
(after a change of the model, then update the numbers its text quotes: the test says which).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "docs" / "examples").glob("*.ipynb"))
CLAIM = re.compile(r"\*\*([^*]*\d[^*]*)\*\*")
"""How the notebooks' text quotes a number of their outputs: in bold (``**33.5% [32.0%, 35.0%]**``)."""


def execute(path: Path):
    """The notebook at ``path``, executed in a fresh kernel (raises on a cell's error).

    The kernel starts without ``MPLBACKEND``, as a reader's would: CI sets it to ``Agg`` for
    headless runs, which would override the notebook's inline backend and hide its figures."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    backend = os.environ.pop("MPLBACKEND", None)
    try:
        NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        if backend is not None:
            os.environ["MPLBACKEND"] = backend
    return notebook


def text_outputs(notebook) -> list[str]:
    """Each code cell's printed and displayed text (``stdout`` and ``text/plain``), joined."""
    texts = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        parts = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stdout":
                parts.append(output["text"])
            elif "data" in output and "text/plain" in output["data"] and "image/png" not in output["data"]:
                parts.append(output["data"]["text/plain"])
        texts.append("".join(parts))
    return texts


def claims(notebook) -> list[str]:
    """Every number the notebook's text quotes (:data:`CLAIM`), as written."""
    return [" ".join(found.split()) for cell in notebook.cells if cell.cell_type == "markdown" for found in CLAIM.findall(cell.source)]


if __name__ == "__main__":
    import nbformat

    for path in NOTEBOOKS:
        executed = execute(path)
        nbformat.write(executed, path)
        missing = [claim for claim in claims(executed) if not any(claim in text for text in text_outputs(executed))]
        print(f"{path.relative_to(ROOT)}: written; quoted but not in the outputs: {missing or 'none'}")
