"""The ``tsreprog`` command line.

Thread settings (``--threads``) are applied here, in the entry point, never at library import.
A user error prints one line naming the problem and the fix and exits 2; a failure exits 1 with
one line; Ctrl-C exits 130. ``--debug`` (or ``TSREPROG_DEBUG=1``) shows the traceback instead.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from tsreprog._params import UsageError, parse_set, positive_int

__all__ = ["main"]


def _set_threads(n: int | None) -> None:
    if n:
        import torch

        torch.set_num_threads(n)


def check_estimator_params(params: dict, estimator_cls) -> None:
    """Refuse ``--set`` names the estimator does not have, suggesting the closest ones."""
    import difflib

    valid = sorted(estimator_cls().get_params(deep=False))
    for key in params:
        if key.split("__", 1)[0] not in valid:
            close = difflib.get_close_matches(key, valid, n=3)
            hint = f"did you mean {', '.join(close)}?" if close else f"valid: {', '.join(valid)}"
            raise UsageError(f"--set {key}: {estimator_cls.__name__} has no such parameter; {hint}")
    try:  # a stage's own parameters (placement__n_repeats=2) are checked by the stage
        est = estimator_cls().set_params(**params)
        for value in est.get_params(deep=False).values():
            if hasattr(value, "_validate_params"):
                value._validate_params()
    except ValueError as err:
        raise UsageError(f"--set: {err}") from None


def _cmd_fit(args: argparse.Namespace) -> int:
    import numpy as np

    from tsreprog import ReprogramClassifier
    from tsreprog.data.ucr import load_dataset

    params = parse_set(args.set, reserved={"random_state": "--seed", "verbose": "(always on)"})
    check_estimator_params(params, ReprogramClassifier)
    clf = ReprogramClassifier(random_state=args.seed, verbose=True).set_params(**params)
    Xtr, ytr, Xte, yte = load_dataset(args.dataset, data=args.data)
    print(
        f"{args.dataset}: {len(Xtr)} train / {len(Xte)} test series, {len(np.unique(ytr))} "
        f"classes; fitting {clf!r}"
    )
    t0 = time.perf_counter()
    clf.fit(Xtr, ytr)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    acc = clf.score(Xte, yte)
    pred_s = time.perf_counter() - t0
    if hasattr(clf, "estimators_"):  # an ensemble: one reprogramming per view and seed
        views = ", ".join(
            f"{m.placement_.name} {m.best_epoch_}/{m.n_iter_}" for m in clf.estimators_
        )
        print(
            f"{len(clf.estimators_)} reprogrammings (best epoch / epochs run: {views}); "
            f"trainable parameters {clf.n_trainable_params_:,}"
        )
    else:
        print(
            f"best epoch {clf.best_epoch_} of {clf.n_iter_}; trainable parameters "
            f"{clf.n_trainable_params_:,}"
        )
    print(f"{args.dataset} test accuracy: {acc:.4f}  (fit {fit_s:.1f} s, predict {pred_s:.1f} s)")
    from tsreprog._io import peak_rss_mb

    print(f"peak resident memory: {peak_rss_mb():.0f} MB")
    return 0


def _cmd_synth(args: argparse.Namespace) -> int:
    import warnings

    from tsreprog.data.synth import EngineMissingWarning, synthesize_commands

    words = args.words.split(",") if args.words else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", EngineMissingWarning)
        summary = synthesize_commands(
            args.out,
            lang=args.lang,
            words=words,
            per_word=args.per_word,
            seed=args.seed,
            jobs=args.jobs,
            progress=True,
            engines=args.engines,
            augment=args.augment,
            holdout_engine=args.holdout_engine,
        )
    for w in caught:
        if issubclass(w.category, EngineMissingWarning):
            print(f"note: {w.message}", file=sys.stderr)
        else:  # pragma: no cover - other warnings are shown as usual
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    for note in summary.get("notes", []):
        if not any(note == str(w.message) for w in caught):
            print(f"note: {note}", file=sys.stderr)
    engines = ", ".join(
        f"{name} {info['version']} ({len(info['voices'])} voices)"
        for name, info in summary["recipe"]["engines"].items()
    )
    print(f"engines: {engines}")
    print(f"clips per engine: {summary['clips_per_engine']}")
    print(f"wrote {args.out}: {summary['counts']}")
    print(
        f"generated {summary['generated']}, kept {summary['resumed']} from an earlier run, "
        f"{summary['elapsed_s']:.1f} s"
    )
    return 0


def _cmd_pretrain(args: argparse.Namespace) -> int:
    from tsreprog.pretraining import pretrain

    pretrain(
        args.data,
        args.out,
        backbone=args.backbone,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        patience=args.patience,
        seed=args.seed,
        spec_augment=args.spec_augment,
        resume=not args.no_resume,
        verbose=True,
    )
    return 0


def _weights_arg(value: str):
    return None if value.lower() in ("none", "random") else value


def _cmd_bench_speed(args: argparse.Namespace) -> int:
    from tsreprog.speed import run_speed_benchmark

    run_speed_benchmark(
        device=args.device,
        weights=_weights_arg(args.weights),
        steps=args.steps,
        repeats=args.repeats,
        data=args.data,
        fit=not args.no_fit,
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tsreprog", description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=positive_int, default=None, help="torch CPU threads (>= 1)")
    p.add_argument(
        "--debug",
        action="store_true",
        help="show the full traceback of an error (also: environment TSREPROG_DEBUG=1)",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    f = sub.add_parser("fit", help="fit ReprogramClassifier on one UCR dataset, report accuracy")
    f.add_argument("--dataset", default="GunPoint")
    f.add_argument("--data", default=None, help="UCR folder (default: sktime's bundled data)")
    f.add_argument("--seed", type=int, default=0)
    f.add_argument("--set", nargs="*", metavar="PARAM=VALUE", help="estimator parameters")
    f.set_defaults(func=_cmd_fit)

    s = sub.add_parser(
        "synth-commands",
        help="synthesize a speech-commands corpus (espeak-ng, flite, festival)",
    )
    s.add_argument("out")
    s.add_argument("--lang", default="en")
    s.add_argument("--words", default=None, help="comma-separated folder names")
    s.add_argument("--per-word", type=int, default=100)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--jobs", type=int, default=1)
    s.add_argument(
        "--engines",
        default="all",
        help="comma-separated engines (espeak-ng,flite,festival); default: all installed "
        "(flite and festival speak English only)",
    )
    s.add_argument(
        "--augment",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="VTLP, tempo, room reverberation, hum and babble noise (default: on; needs "
        "pyroomacoustics)",
    )
    s.add_argument(
        "--holdout-engine",
        default=None,
        help="put this engine's clips in a separate _holdout_/ corpus, none in train/val/test",
    )
    s.set_defaults(func=_cmd_synth)

    t = sub.add_parser("pretrain", help="train a backbone on a speech-commands folder")
    t.add_argument("--data", required=True)
    t.add_argument("--out", required=True)
    t.add_argument("--backbone", default="attrnn")
    t.add_argument("--epochs", type=int, default=40)
    t.add_argument("--batch-size", type=int, default=64)
    t.add_argument("--lr", type=float, default=1e-3)
    t.add_argument("--patience", type=int, default=10)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument(
        "--spec-augment",
        action="store_true",
        help="mask a random mel band and span of frames of every training clip",
    )
    t.add_argument("--no-resume", action="store_true", help="ignore an existing checkpoint")
    t.set_defaults(func=_cmd_pretrain)

    from tsreprog import bench

    b = sub.add_parser("bench", help="benchmark methods on UCR datasets (resumable results folder)")
    bench.add_arguments(b)
    b.set_defaults(func=bench.main)

    from tsreprog import speech

    sp = sub.add_parser(
        "speech", help="low-resource spoken commands: scratch, fine-tuning, reprogramming"
    )
    speech.add_arguments(sp)
    sp.set_defaults(func=speech.main)

    v = sub.add_parser("bench-speed", help="training/inference throughput and fit times")
    v.add_argument("--device", default="cpu")
    v.add_argument("--weights", default="default", help="'default', 'none' or a path")
    v.add_argument("--data", default=None, help="UCR folder for ECG5000 (GunPoint: sktime)")
    v.add_argument("--steps", type=int, default=20)
    v.add_argument("--repeats", type=int, default=5)
    v.add_argument("--no-fit", action="store_true", help="skip the fit-time part")
    v.set_defaults(func=_cmd_bench_speed)

    from tsreprog import cost

    c = sub.add_parser(
        "bench-cost", help="fit time of the defaults against MiniRocket, per dataset and grid"
    )
    cost.add_arguments(c)
    c.set_defaults(func=cost.main)
    return p


def _user_error_types() -> tuple[type, ...]:
    """Errors that mean the command was given something wrong (exit 2), not that it failed."""
    from sklearn.utils._param_validation import InvalidParameterError

    return (UsageError, InvalidParameterError)


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit code (0 ok, 1 failure, 2 usage error, 130 Ctrl-C)."""
    args = build_parser().parse_args(argv)  # argparse's own usage errors: one line, exit 2
    try:
        _set_threads(args.threads)
        return args.func(args)
    except (KeyboardInterrupt, Exception) as e:  # the CLI's boundary: one line, --debug for more
        if args.debug or os.environ.get("TSREPROG_DEBUG", "") not in ("", "0"):
            raise
        return _report(args.command, e)


def _report(command: str, e: BaseException) -> int:
    """Print ``e`` as one line on stderr; the exit code it stands for."""
    if isinstance(e, KeyboardInterrupt):
        print("tsreprog: interrupted; nothing unfinished was recorded", file=sys.stderr)
        return 130
    text = " ".join(str(e).split()) or type(e).__name__
    if isinstance(e, _user_error_types()):
        print(f"tsreprog {command}: error: {text}", file=sys.stderr)
        return 2
    print(
        f"tsreprog {command}: failed: {type(e).__name__}: {text} "
        "(run with --debug for the traceback)",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
