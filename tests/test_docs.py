"""The documentation site: a strict build that executes the notebooks (their one run in the
test suite), the figures they draw on the built pages, internal links, and Chromium's render.

The checks live in ``docs/check_site.py`` (also a command that takes the committed
screenshots). Without mkdocs or Chromium the tests skip, except under CI, where they fail.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("check_site", ROOT / "docs" / "check_site.py")
check_site = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_site)

CI = bool(os.environ.get("CI"))


def _missing(what: str):
    if CI:
        pytest.fail(f"{what} is required under CI")
    pytest.skip(f"{what} is not installed")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    if importlib.util.find_spec("mkdocs") is None or shutil.which("mkdocs") is None:
        _missing("mkdocs (pip install -e '.[docs]')")
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, TSREPROG_DOCS_EXECUTE="true", TSREPROG_DOCS_CACHE="false")
    env["NO_MKDOCS_2_WARNING"] = "1"
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml")]
        + ["-d", str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stderr[-6000:]}"
    return out


def test_site_builds_with_every_page(site):
    for page in ("index.html", "getting-started.html", "api/estimator.html"):
        assert (site / page).exists(), page
    for nb in (ROOT / "notebooks").glob("*.ipynb"):
        assert (site / "notebooks" / f"{nb.stem}.html").exists(), nb.name


def test_api_pages_render_the_docstrings(site):
    html = (site / "api" / "estimator.html").read_text(encoding="utf-8")
    # the Parameters section of ReprogramClassifier's docstring, rendered
    assert "validation_fraction" in html and "Stratified share of the training data" in html


def test_every_notebook_figure_is_on_its_page(site):
    assert check_site.missing_figures(site) == []


def test_notebooks_draw_figures_the_check_looks_for():
    # the figure check must have something to check in every notebook
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert check_site.figure_cells(nb), nb.name


def test_missing_figure_is_reported(site, tmp_path):
    # a page whose first figure cell lost its image fails the check
    copy = tmp_path / "site"
    shutil.copytree(site / "notebooks", copy / "notebooks")
    page = copy / "notebooks" / "01_quickstart.html"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace('src="data:image/png;base64,', 'src="data:image/gif;base64,'))
    problems = check_site.missing_figures(copy)
    assert any(p.startswith("01_quickstart.ipynb: code cell") for p in problems), problems


def test_internal_links_resolve(site):
    assert check_site.broken_links(site) == []


def test_broken_link_is_reported(site, tmp_path):
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    page = copy / "index.html"
    bad = '<a href="guide/nowhere.html">x</a><a href="api/estimator.html#nope">y</a>'
    page.write_text(page.read_text(encoding="utf-8").replace("</body>", bad + "</body>"))
    problems = check_site.broken_links(copy)
    assert "index.html: link 'guide/nowhere.html' names no file of the site" in problems
    assert any("no id 'nope'" in p for p in problems), problems


def test_chromium_renders_the_pages_and_their_figures(site):
    if check_site.chromium() is None:
        _missing("chromium (apt-get install chromium)")
    assert check_site.image_count(site, "notebooks/01_quickstart.html") >= 4
    assert check_site.browser_problems(site) == []


def test_chromium_screenshot_is_a_picture(site, tmp_path):
    if check_site.chromium() is None:
        _missing("chromium (apt-get install chromium)")
    import matplotlib.image

    shot = check_site.screenshot(site, "index.html", tmp_path / "start.png", size=(800, 600))
    pixels = matplotlib.image.imread(shot)
    assert pixels.shape[:2] == (600, 800)
    assert pixels.std() > 0.05  # text and a header, not a blank page
