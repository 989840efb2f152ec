"""Check the built documentation site as a reader would, and take its screenshots.

Used by ``tests/test_docs.py`` (on a site it builds) and from the command line::

    mkdocs build                                  # -> site/
    python docs/check_site.py site --screenshots docs/screenshots

Three checks, each returning a list of problems (empty = fine):

- :func:`missing_figures`: every notebook cell that draws a figure has a decodable PNG in its
  output on the built page;
- :func:`broken_links`: every relative ``href``/``src`` of every page names a file of the
  site, and every ``#anchor`` an ``id`` on the target page;
- :func:`browser_problems`: headless Chromium opens the pages, and every image on them has
  loaded with a non-zero size (read back from the page's DOM after rendering).
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent

# a code cell draws a figure when it calls matplotlib or one of tsreprog's plot_* functions
FIGURE_CALL = re.compile(r"\bplt\.(subplots|figure)\(|\bplot_\w+\(")

# pages whose screenshots are committed: the start page, a notebook with figures, an API page
SCREENSHOTS = {
    "start.png": "index.html",
    "notebook.png": "notebooks/01_quickstart.html#picture-1-the-reprogrammed-input",
    "api.png": "api/estimator.html",
}


class _Page(HTMLParser):
    """Collects links, ids and the code cells' output images of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.cells: list[list[str]] = []  # per code cell, its image sources
        self._cell_depth: list[int] = []  # div depth at which the current code cell opened
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if a.get("name") and tag == "a":
            self.ids.add(a["name"])
        for key in ("href", "src"):
            if a.get(key) and tag in ("a", "img", "link", "script", "source", "audio"):
                self.links.append(a[key])
        if tag == "div":
            self._depth += 1
            classes = (a.get("class") or "").split()
            # nbconvert wraps each code cell in a second div of the same classes: count the outer
            if "jp-CodeCell" in classes and not self._cell_depth:
                self.cells.append([])
                self._cell_depth.append(self._depth)
        if tag == "img" and self._cell_depth and a.get("src"):
            self.cells[-1].append(a["src"])

    def handle_endtag(self, tag):
        if tag == "div":
            if self._cell_depth and self._cell_depth[-1] == self._depth:
                self._cell_depth.pop()
            self._depth -= 1


def read_page(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def png_size(src: str) -> tuple[int, int] | None:
    """``(width, height)`` of a ``data:image/png;base64`` source, or None if it is no PNG."""
    prefix = "data:image/png;base64,"
    if not src.startswith(prefix):
        return None
    data = base64.b64decode(src[len(prefix) :])
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", data[16:24])


def figure_cells(notebook: Path) -> list[int]:
    """Indices (among code cells) of the cells of ``notebook`` that draw a figure."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    return [i for i, c in enumerate(code) if FIGURE_CALL.search("".join(c["source"]))]


def missing_figures(site: Path, notebooks: Path = ROOT / "notebooks") -> list[str]:
    problems = []
    for nb in sorted(notebooks.glob("*.ipynb")):
        html = site / "notebooks" / f"{nb.stem}.html"
        if not html.exists():
            problems.append(f"{nb.name}: no page {html.relative_to(site)}")
            continue
        cells = read_page(html).cells
        n_code = sum(1 for c in json.loads(nb.read_text())["cells"] if c["cell_type"] == "code")
        if len(cells) != n_code:
            problems.append(f"{nb.name}: {n_code} code cells, {len(cells)} on the page")
            continue
        for i in figure_cells(nb):
            sizes = [png_size(src) for src in cells[i]]
            if not any(s and s[0] > 0 and s[1] > 0 for s in sizes):
                problems.append(f"{nb.name}: code cell {i} draws a figure; the page shows none")
    return problems


def _pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "assets" not in p.relative_to(site).parts)


def broken_links(site: Path) -> list[str]:
    problems = []
    ids: dict[Path, set[str]] = {}
    for page in _pages(site):
        parsed = read_page(page)
        ids[page.resolve()] = parsed.ids
    for page in _pages(site):
        for link in read_page(page).links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith("//"):
                continue  # external (http, mailto, data, javascript)
            if not parts.path:
                target = page
            elif parts.path.startswith("/"):  # from the site's root (the 404 page's links)
                target = site / unquote(parts.path).lstrip("/")
            else:
                target = page.parent / unquote(parts.path)
            target = target.resolve()
            if target.is_dir():
                target = target / "index.html"
            name = page.relative_to(site)
            if not target.exists():
                problems.append(f"{name}: link {link!r} names no file of the site")
            elif parts.fragment and target.suffix == ".html":
                anchors = ids.get(target) or read_page(target).ids
                if unquote(parts.fragment) not in anchors:
                    problems.append(f"{name}: link {link!r}: no id {parts.fragment!r} there")
    return problems


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


_BASE = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
_REPORT = """<script>window.addEventListener("load", () => {
  const sizes = [...document.images].map(
    i => i.complete ? i.naturalWidth + "x" + i.naturalHeight : "0x0");
  document.body.setAttribute("data-image-sizes", sizes.join(" "));
});</script>"""


def _probe(page: Path, script: str, args: list[str], timeout: int, text: bool):
    """Run headless Chromium on a copy of ``page`` with ``script`` before ``</body>``.

    The copy lies beside the page (so its relative assets resolve) and is removed afterwards.
    """
    exe = chromium()
    if exe is None:
        raise RuntimeError("no chromium executable (apt-get install chromium)")
    probe = page.with_name(f"_probe_{page.name}")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", script + "</body>"))
    try:
        return subprocess.run(
            [exe, *_BASE, "--virtual-time-budget=10000", *args, probe.as_uri()],
            capture_output=True,
            text=text,
            timeout=timeout,
            check=not text,
        )
    finally:
        probe.unlink()


def browser_problems(site: Path, pages=None, timeout=120) -> list[str]:
    """Render each page (default: those of :data:`SCREENSHOTS`) in headless Chromium; report
    pages whose images did not all load."""
    pages = SCREENSHOTS.values() if pages is None else pages
    if chromium() is None:
        return ["no chromium executable (apt-get install chromium)"]
    problems = []
    for rel in sorted({r.split("#")[0] for r in pages}):
        # the probe script writes the images' sizes into the DOM once loaded; --dump-dom
        # prints that DOM
        out = _probe(site / rel, _REPORT, ["--dump-dom"], timeout, text=True).stdout
        found = re.search(r'data-image-sizes="([^"]*)"', out)
        if found is None:
            problems.append(f"{rel}: Chromium rendered no DOM (or the page never loaded)")
            continue
        sizes = found.group(1).split()
        broken = [s for s in sizes if s.startswith("0x") or s.endswith("x0")]
        if broken:
            problems.append(f"{rel}: {len(broken)} of {len(sizes)} images did not render")
    return problems


def image_count(site: Path, rel: str) -> int:
    return sum(len(c) for c in read_page(site / rel).cells)


def screenshot(site: Path, rel: str, out: Path, size=(1280, 1600), timeout=120) -> Path:
    """A PNG of ``site/rel`` as headless Chromium draws it at ``size`` (width, height);
    ``rel`` may end in ``#anchor``: the picture then starts there (a script in the page's
    copy removes the content before the anchor's block; scrolling, by a URL fragment or
    ``scrollIntoView``, gave blank pictures in headless Chromium)."""
    from tsreprog._io import atomic_write

    path, _, anchor = rel.partition("#")
    scroll = (
        "<script>document.addEventListener('DOMContentLoaded', () => {"
        f"  let block = document.getElementById({json.dumps(anchor)});"
        "  while (block.parentElement && !block.parentElement.querySelector('.jp-Cell ~ .jp-Cell'))"
        "    block = block.parentElement;"
        "  while (block.previousElementSibling) block.previousElementSibling.remove();"
        "});</script>"
        if anchor
        else ""
    )
    with tempfile.TemporaryDirectory() as tmp:
        shot = Path(tmp) / "shot.png"
        args = [f"--window-size={size[0]},{size[1]}", f"--screenshot={shot}"]
        _probe(site / path, scroll, args, timeout, text=False)
        atomic_write(out, lambda f: f.write(shot.read_bytes()))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="the built site (mkdocs build -d SITE)")
    parser.add_argument("--screenshots", type=Path, help="write the screenshots to this folder")
    args = parser.parse_args(argv)
    problems = missing_figures(args.site) + broken_links(args.site) + browser_problems(args.site)
    for p in problems:
        print("problem:", p)
    if args.screenshots:
        for name, rel in SCREENSHOTS.items():
            print("screenshot:", screenshot(args.site, rel, args.screenshots / name), "of", rel)
    print(f"{len(_pages(args.site))} pages checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
