"""The package's own layout rules, checked on its source."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "tsreprog"


def test_no_module_imports_a_private_name_from_another():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tsreprog"):
                found += [
                    f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {node.module}.{a.name}"
                    for a in node.names
                    if a.name.startswith("_")
                ]
    assert found == []
