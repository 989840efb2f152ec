"""mkdocs hooks for the site (mkdocs.yml ``hooks:``)."""

from __future__ import annotations

import re

# The docstrings use Sphinx roles (:func:`name`), as scikit-learn's do; mkdocstrings renders
# them as text, ":func:" followed by the name in code. Keep the name, drop the role.
_ROLE = re.compile(r":(?:py:)?(?:func|class|meth|mod|data|attr|obj|exc|ref):(<code>)~?")


def on_page_content(html: str, **kwargs) -> str:
    return _ROLE.sub(r"\1", html)
