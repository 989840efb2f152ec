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


def add_set_argument(parser, help: str) -> None:
    """Add the ``--set PARAM=VALUE ...`` option (parsed later with :func:`parse_set`)."""
    parser.add_argument("--set", nargs="*", metavar="PARAM=VALUE", help=help)


def as_namespace(args, add_arguments, prog: str):
    """A subcommand's options: ``args`` itself if already parsed, else parse the list given
    (``None``: ``sys.argv``) with a parser built by ``add_arguments``."""
    import argparse

    if isinstance(args, argparse.Namespace):
        return args
    parser = add_arguments(argparse.ArgumentParser(prog=prog))
    return parser.parse_args(None if args is None else list(args))
