"""The example notebooks are committed clean: no outputs, no execution counts, valid JSON.

They are executed by the site build of ``tests/test_docs.py``; this test only checks how they
are stored.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
EXPECTED = [
    "01_quickstart.ipynb",
    "02_ucr_benchmark.ipynb",
    "03_low_resource_speech.ipynb",
    "04_what_reprogramming_learns.ipynb",
]


def _notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def test_expected_notebooks_exist():
    names = [p.name for p in _notebooks()]
    missing = [n for n in EXPECTED if n not in names]
    assert not missing, f"missing notebooks in {NOTEBOOKS}: {missing}"


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.name)
def test_notebook_has_no_outputs(path: Path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb.get("nbformat") == 4
    assert nb.get("metadata", {}).get("kernelspec", {}).get("name") == "python3"
    assert "widgets" not in nb.get("metadata", {}), "widget state is stored in the notebook"
    cells = nb["cells"]
    assert any(c["cell_type"] == "markdown" for c in cells)
    assert any(c["cell_type"] == "code" for c in cells)
    dirty = [
        i
        for i, c in enumerate(cells)
        if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count") is not None)
    ]
    assert not dirty, (
        f"{path.name}: code cells {dirty} hold outputs or execution counts; clear them with "
        f"`jupyter nbconvert --clear-output --inplace {path.name}`"
    )
    attachments = [i for i, c in enumerate(cells) if c.get("attachments")]
    assert not attachments, f"{path.name}: cells {attachments} carry attachments"
