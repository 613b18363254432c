"""Every notebook in notebooks/ runs top to bottom (with a small number of worlds), and the stored
notebooks carry their outputs so that a reader sees the figures without running them."""

from __future__ import annotations

import pytest

from .conftest import ROOT

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
#: small sizes for the test run (notebooks read them from the environment)
SMALL = {"TRUCESIM_NOTEBOOK_WORLDS": "200", "TRUCESIM_NOTEBOOK_BUDGET": "16"}


def _outputs(nb):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]


def test_the_notebooks_are_there():
    names = {p.name for p in NOTEBOOKS}
    assert {"01-baseline.ipynb", "02-sweeps.ipynb", "03-what-matters.ipynb"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_with_a_small_size(path, monkeypatch):
    for k, v in SMALL.items():
        monkeypatch.setenv(k, v)
    nb = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    outputs = _outputs(nb)
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 3, "fewer than three figures drawn"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_stored_notebook_has_its_outputs(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code), "stored without running every cell"
    outputs = _outputs(nb)
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 3
    text = " ".join(c.source for c in nb.cells if c.cell_type == "markdown").lower()
    assert "not a forecast" in text or "not predictions" in text or "not forecasts" in text


@pytest.mark.parametrize("name", ["01-baseline.ipynb", "02-sweeps.ipynb", "03-what-matters.ipynb"])
def test_size_comes_from_the_environment(name):
    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    src = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert 'os.environ.get("TRUCESIM_NOTEBOOK_WORLDS"' in src
