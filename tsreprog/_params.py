"""``--set PARAM=VALUE`` parsing shared by the command-line tools."""

from __future__ import annotations

__all__ = [
    "UsageError",
    "expand_stages",
    "json_value",
    "params_json",
    "parse_set",
    "positive_int",
    "resume_conflict",
]


class UsageError(ValueError):
    """A user error on the command line: the CLI prints its message as one line, exit code 2.

    The message names the problem and the fix; library callers see an ordinary ``ValueError``.
    """


def positive_int(text: str) -> int:
    """``argparse`` type for counts that must be at least 1 (``--threads``, ``--jobs``)."""
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {value}")
    return value


def parse_set(items: list[str] | None, reserved: dict[str, str] | None = None) -> dict:
    """``["lr=0.01", "placement=pad"]`` -> ``{"lr": 0.01, "placement": "pad"}``.

    ``reserved`` maps parameter names that have their own option to that option
    (``{"random_state": "--seed"}``); setting one through ``--set`` is a :class:`UsageError`.
    """
    import ast

    reserved = reserved or {}
    out = {}
    for item in items or []:
        if "=" not in item:
            raise UsageError(f"--set expects PARAM=VALUE, got {item!r} (e.g. --set lr=0.01)")
        key, value = item.split("=", 1)
        key = key.strip()
        if not key:
            raise UsageError(f"--set expects PARAM=VALUE, got {item!r} (the name is empty)")
        if key in reserved:
            raise UsageError(f"--set {key}=... is not allowed here: use {reserved[key]} instead")
        if key in out:
            raise UsageError(f"--set gives {key} twice; give each parameter once")
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


def expand_stages(params: dict) -> dict:
    """``params`` with a stage given by name (``placement="repeat"``, ``mapping="linear"``)
    replaced by that entry's configuration ``{"name", **params}``, and a backbone named without
    a weights tag (loading its default weights) by ``"arch.tag"``, so that a record shows what
    the name meant when it was written (a changed default of an entry is then visible)."""
    from tsreprog.mappings import get_mapping
    from tsreprog.placements import get_placement

    def expand(value, get):
        if isinstance(value, (tuple, list)):  # several placements (an ensemble's views)
            return [expand(v, get) for v in value]
        if isinstance(value, str):
            try:
                return json_value(get(value))
            except ValueError:  # not a registered name: record it as given
                return value
        return value

    out = dict(params)
    for key, get in (("placement", get_placement), ("mapping", get_mapping)):
        if key in out:
            out[key] = expand(out[key], get)
    if isinstance(out.get("backbone"), str) and out.get("weights", "default") == "default":
        out["backbone"] = _with_default_tag(out["backbone"])
    return out


def _with_default_tag(name: str) -> str:
    """``"attrnn" -> "attrnn.synth-v2"``: a backbone named without a weights tag, with the
    default tag it loads today, so a record shows which weights the bare name meant."""
    from tsreprog.backbones._registry import get_backbone_cfg, split_name

    arch, tag = split_name(name)
    if tag is not None:
        return name
    try:
        default = get_backbone_cfg(arch).default_tag
    except ValueError:  # not a registered name: record it as given
        return name
    return name if default is None else f"{arch}.{default}"


def json_value(obj):
    """``json.dumps`` default: a configured stage (placement, mapping) as ``{"name", **params}``,
    an estimator as ``{"class", **params}`` (every parameter, defaults included, stages given
    by name expanded to their configuration), anything else as its ``str``."""
    if hasattr(obj, "get_params") and getattr(obj, "name", None):
        return {"name": obj.name, **obj.get_params(deep=False)}
    if hasattr(obj, "get_params"):  # an estimator inside another (an ensemble's members)
        return {"class": type(obj).__name__, **expand_stages(obj.get_params(deep=False))}
    return str(obj)


def params_json(estimator) -> str:
    """Every constructor parameter of ``estimator``, defaults included, as JSON; a stage given
    by name is recorded with its configuration (:func:`expand_stages`).

    What a resumed benchmark or study compares (``params`` records only the ``--set``
    overrides, so a changed default would be invisible in it). ``random_state`` (the cell's
    seed) is left out.
    """
    import json

    full = expand_stages(estimator.get_params(deep=False))
    full.pop("random_state", None)
    return json.dumps(full, sort_keys=True, default=json_value)


#: Parameters added after results were first recorded, each with the default that does what
#: the estimator did before it existed (``max_steps=None``: no budget, the same fit bit for bit;
#: ``tests/test_training.py``). A record made before lacks the key and is compared as if it
#: held that default, so adding such a parameter does not orphan every results folder.
ADDED_WITH_NEUTRAL_DEFAULT: dict = {"max_steps": None}


def _as_recorded_today(old: dict, new: dict) -> dict:
    """``old`` with the neutral defaults of parameters that ``new`` has and ``old`` predates."""
    added = {k: v for k, v in ADDED_WITH_NEUTRAL_DEFAULT.items() if k in new and k not in old}
    return {**old, **added}


def params_diff(old: str, new: str) -> str:
    """Human-readable list of the keys on which two JSON parameter dicts differ."""
    import json

    b = json.loads(new)
    a = _as_recorded_today(json.loads(old), b)
    keys = sorted(k for k in set(a) | set(b) if a.get(k, "<absent>") != b.get(k, "<absent>"))
    return ", ".join(f"{k}: {a.get(k, '<absent>')!r} -> {b.get(k, '<absent>')!r}" for k in keys)


def resume_conflict(out, key, prev: dict, wanted: str, full: str) -> str:
    """Why the finished row ``prev`` of results file ``out`` may not be kept by a run asking
    for overrides ``wanted`` and full parameters ``full`` (JSON); ``""`` when it may.

    A row from a file made before the ``estimator_params`` column existed has ``""`` there
    and is compared on its overrides only; one made before a parameter of
    :data:`ADDED_WITH_NEUTRAL_DEFAULT` existed is compared as if it held that default.
    """
    old_full = prev.get("estimator_params", "")
    diff = params_diff(old_full, full) if old_full else ""
    if prev.get("params") and prev["params"] != wanted:
        why = f"params {prev['params']}, but this run asks for {wanted}"
    elif diff:
        why = f"other estimator parameters ({diff}), e.g. after a change of tsreprog's defaults"
    else:
        return ""
    return (
        f"{out} already holds {key} run with {why}; use another --out (or delete those cells) "
        "so results with different settings are not mixed"
    )
