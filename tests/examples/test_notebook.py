"""The example notebook runs from top to bottom without an error (as CI runs it).

The kernel is this interpreter (a kernel spec written to a temporary Jupyter path), so the
test needs nothing beyond ``pip install -e .[test]``: no ``ipykernel install`` step.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "notebook" / "aftershock-tour.ipynb"
KERNEL = "aftershock-test"


@pytest.fixture
def kernel_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A Jupyter data folder with one kernel spec: this Python with ipykernel."""
    spec = tmp_path / "jupyter" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "aftershock test", "language": "python"}), encoding="utf-8"
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    return tmp_path


def test_the_tour_notebook_runs_without_an_error(kernel_path: Path) -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name=KERNEL,
        timeout=300,
        allow_errors=False,  # a cell that raises fails the test (CellExecutionError)
        resources={"metadata": {"path": str(kernel_path)}},
    )
    client.execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    # every result displayed itself as a table, every plot as a Plotly figure
    html = [o for o in outputs if "text/html" in o.get("data", {})]
    assert any("Blast radius" in o["data"]["text/html"] for o in html)
    assert any("Yearly risk" in o["data"]["text/html"] for o in html)
    figures = [o for o in outputs if any("plotly" in key for key in o.get("data", {}))]
    assert len(figures) >= 4
