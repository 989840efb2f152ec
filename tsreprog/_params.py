"""``--set PARAM=VALUE`` parsing shared by the command-line tools."""

from __future__ import annotations

__all__ = ["parse_set"]


def parse_set(items: list[str] | None) -> dict:
    """``["lr=0.01", "placement=pad"]`` -> ``{"lr": 0.01, "placement": "pad"}``."""
    import ast

    out = {}
    for item in items or []:
        if "=" not in item:
            raise SystemExit(f"--set expects PARAM=VALUE, got {item!r}")
        key, value = item.split("=", 1)
        try:
            out[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            out[key] = value
    return out
