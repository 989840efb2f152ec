import subprocess
import sys

import pandas as pd
import pytest

from tsreprog._optional import require


def test_a_missing_optional_dependency_names_its_extra(monkeypatch, tmp_path):
    from tsreprog import bench

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    with pytest.raises(ImportError, match=r"tsreprog.plot needs matplotlib.*tsreprog\[plot\]"):
        require("matplotlib", "tsreprog.plot")
    df = pd.DataFrame({"dataset": ["A"], "method": ["tsreprog"], "seed": [0]})
    with pytest.raises(ImportError, match=r"bench --plot needs matplotlib"):
        bench.plot_comparison(df, tmp_path / "x.png")


def test_the_estimator_and_the_cli_do_not_import_matplotlib():
    code = (
        "import sys; from tsreprog.cli import build_parser; build_parser(); "
        "from tsreprog import ReprogramClassifier; print('matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
