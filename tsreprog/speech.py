"""``tsreprog speech``: low-resource spoken-command recognition by reprogramming (Yen et al.).

Reproduces the design of H. Yen et al., "Neural Model Reprogramming with Similarity Based
Mapping for Low-Resource Spoken Command Recognition" (Interspeech 2023; arXiv 2110.03894):
a speech-command model pretrained on English is reused for command words of another language,
with at most 20 training clips per word, and compared with training the same network from
scratch and with plain fine-tuning.

Data sets
---------
:func:`make_low_resource_sets` synthesizes one folder per language with
:func:`tsreprog.data.synth.synthesize_commands`, in the Google Speech Commands layout:

* ``lt``: the 15 Lithuanian commands of ``LANGUAGE_WORDS["lt"]``;
* ``ar``: 16 Arabic words, the ten digits and six commands;
* ``cmn``: 13 Mandarin commands.

The split is voice-disjoint (no test voice is heard in training). Every word gets exactly
``train_per_word`` (at most :data:`MAX_TRAIN_PER_WORD` = 20) training clips and
``test_per_word`` test clips; there is no ``validation_list.txt`` entry: model selection, where
asked for, uses a split the estimator carves from the training clips. The count of training
clips per class is checked on disk after synthesis.

The classes are the command words only. Yen et al.'s Lithuanian set also had an *unknown* and a
*silence* class; they are left out by default so that the three tasks are closed-vocabulary
word classification and comparable to one another. ``silence=True`` adds a ``_silence_`` class
(noise-only clips, with the same per-class counts).

Methods
-------
Every method is one :class:`~tsreprog.ReprogramClassifier` configuration (one training loop):

``scratch``
    ``weights=None, reprogram=False, finetune=True, mapping="linear"``: the AttRNN trained from
    a random initialisation on the target data, with a new linear head.
``finetune``
    Pretrained backbone, ``reprogram=False, finetune=True, mapping="linear"``: transfer learning
    with a new head.
``reprogram``
    Frozen pretrained backbone, θ on the waveform trained, many-to-one label mapping with
    ``mapping=ManyToOne(assignment=<mapping>)`` (``ordered`` or ``similarity``).
``reprogram+finetune``
    θ, many-to-one mapping and the backbone's weights trained together (Yen et al.'s AR + TL).

All use ``placement="pad"`` (the 1-s clip fills the 1-s window as it is) on top of the
estimator's defaults, and the reprogramming methods ``lr=5e-4`` (:data:`METHOD_DEFAULTS`);
``params`` (``--set``) override them, for every method or, as ``METHOD__PARAM=VALUE``, for one
method. The parameters that define a method (``reprogram``,
``finetune``, ``mapping``, ``scratch``'s ``weights``) and ``random_state``
(the seed of the row) cannot be overridden.

Protocol: training clips are the files named in neither ``validation_list.txt`` nor
``testing_list.txt``; test clips are those of ``testing_list.txt``. With the estimator's
defaults the epoch is selected on the training loss; ``--set validation_fraction=0.2``
selects it on a stratified share of the training clips instead. The test clips are never used
for selection.
Clips are loaded at the backbone's sample rate and window length (``duration`` = window /
sample rate, ``crop="energy"``, peak-normalised), so the 0.1-s ``tiny-test`` backbone sees the
loudest 0.1 s of each clip.

Results
-------
``out`` is a results folder, one file per (dataset, method, mapping, seed) cell
(:mod:`tsreprog.results`, tsml-eval's layout, with every test clip's prediction and class
probabilities); a variant's folder is ``METHOD`` for the linear-head methods (``mapping ==
"linear"``, run once per seed) and ``METHOD-MAPPING`` for the others. A file is written
atomically when its cell finishes; rerunning with the same ``out`` skips cells whose file
exists and retries failed ones. A finished cell whose ``params`` or ``estimator_params``
(every constructor parameter, defaults included) differ from the present run's is refused,
naming them, so results made with different settings or defaults are never mixed.

Examples
--------
::

    tsreprog speech --data work/lowres --synthesize --seeds 3 --out results/speech
    tsreprog speech --data work/lowres/lt --methods scratch,reprogram --mapping similarity
    tsreprog speech --data work/lowres --languages lt --set backbone=tiny-test epochs=2
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from tsreprog import harness
from tsreprog._optional import require
from tsreprog._params import add_set_argument
from tsreprog.report import md_table, ok_rows
from tsreprog.results import as_frame, load_results

__all__ = [
    "COLUMNS",
    "DEFAULT_LANGUAGES",
    "DEFAULT_MAPPINGS",
    "MAPPINGS",
    "REPROGRAM_MAPPINGS",
    "MAX_TRAIN_PER_WORD",
    "METHODS",
    "METHOD_DEFAULTS",
    "MAPPING_DEFAULTS",
    "STUDY_DEFAULTS",
    "add_arguments",
    "comparisons",
    "find_datasets",
    "main",
    "make_low_resource_sets",
    "plot_speech_study",
    "read_study",
    "run_speech_study",
    "study_params",
    "summarize_speech_study",
    "summary_table",
]

#: Methods of the study, in the order of the tables.
METHODS: tuple[str, ...] = ("scratch", "finetune", "reprogram", "reprogram+finetune")
#: Many-to-one ``assignment`` values accepted for the many-to-one methods.
MAPPINGS: tuple[str, ...] = ("ordered", "similarity", "random", "frequency")
#: What the reprogramming methods accept: a many-to-one assignment of :data:`MAPPINGS`, or
#: ``"linear"``: a trained linear head on the backbone's features (the estimator's default),
#: the mapping every backbone supports, also those without source classes.
REPROGRAM_MAPPINGS: tuple[str, ...] = (*MAPPINGS, "linear")
#: Mappings run by default: Voice2Series' and Yen et al.'s many-to-one, and the linear head,
#: the one with which frozen reprogramming beats training from scratch
#: (results/source_model/speech.md).
DEFAULT_MAPPINGS: tuple[str, ...] = ("ordered", "similarity", "linear")
#: Languages synthesized by :func:`make_low_resource_sets` by default.
DEFAULT_LANGUAGES: tuple[str, ...] = ("lt", "ar", "cmn")
#: Upper limit of training clips per word (Yen et al.'s Lithuanian cap).
MAX_TRAIN_PER_WORD: int = 20
#: ReprogramClassifier parameters of every method, under the ``params`` overrides.
STUDY_DEFAULTS: dict = {"placement": "pad"}
#: Per-method defaults, also under the ``params`` overrides. θ is added to a peak-normalised
#: waveform here, not to a standardised series: the estimator's ``lr=0.05`` makes θ louder than
#: the speech (RMS 0.5 after 40 epochs on ``lt``) and the words unrecognisable. 5e-4 was chosen
#: on validation splits of the three languages' *training* clips
#: (``results/speech_lr/README.md``; the test clips were not loaded).
METHOD_DEFAULTS: dict[str, dict] = {"reprogram": {"lr": 5e-4}, "reprogram+finetune": {"lr": 5e-4}}
#: Defaults of a (method, mapping) pair, over :data:`METHOD_DEFAULTS` and under the overrides.
#: A linear head learns at θ's rate: at 5e-4 it is under-trained (training loss 1.29 after 40
#: epochs); 5e-3 scored 3.1 points higher on validation splits of the training clips (7 of 9
#: language-seed pairs better, one worse; ``results/speech_lr/README.md``).
MAPPING_DEFAULTS: dict[tuple[str, str], dict] = {("reprogram", "linear"): {"lr": 5e-3}}
#: Columns of the study's results frame (:func:`read_study`), first.
COLUMNS: list[str] = [
    "dataset",
    "method",
    "mapping",
    "seed",
    "status",
    "accuracy",
    "fit_seconds",
    "predict_seconds",
    "n_train",
    "n_test",
    "n_classes",
    "best_epoch",
    "n_iter",
    "n_trainable_params",
    "device",
    "params",
    "estimator_params",
    "error",
    "finished_at",
]

_TEXT_COLUMNS = ("dataset", "method", "mapping", "status", "params", "estimator_params", "error")
_LINEAR = "linear"
_MANY_TO_ONE = ("reprogram", "reprogram+finetune")
_METHOD_PARAMS: dict[str, dict] = {
    "scratch": {"weights": None, "reprogram": False, "finetune": True, "mapping": "linear"},
    "finetune": {"reprogram": False, "finetune": True, "mapping": "linear"},
    "reprogram": {"reprogram": True, "finetune": False, "mapping": "many_to_one"},
    "reprogram+finetune": {"reprogram": True, "finetune": True, "mapping": "many_to_one"},
}
_RESERVED = ("reprogram", "finetune", "mapping", "random_state")
_LISTS = ("validation_list.txt", "testing_list.txt")


# ---------------------------------------------------------------------------------- data sets
def _train_counts(root: Path) -> dict[str, int]:
    """Training clips per class folder: audio files named in neither list (as the loader)."""
    listed: set[str] = set()
    for name in _LISTS:
        f = root / name
        if f.is_file():
            listed |= {ln.strip() for ln in f.read_text(encoding="utf-8").splitlines() if ln}
    counts = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if folder.name.startswith("_") and folder.name != "_silence_":
            continue
        files = [f"{folder.name}/{w.name}" for w in folder.glob("*.wav")]
        counts[folder.name] = sum(1 for f in files if f not in listed)
    return counts


def make_low_resource_sets(
    out_dir: str | os.PathLike,
    langs: Sequence[str] = DEFAULT_LANGUAGES,
    train_per_word: int = MAX_TRAIN_PER_WORD,
    test_per_word: int = 30,
    seed: int = 0,
    words: Mapping[str, Sequence[str]] | None = None,
    silence: bool = False,
    jobs: int = 1,
    progress: bool = True,
) -> dict[str, dict]:
    """Synthesize the low-resource command sets, one folder per language.

    Each ``out_dir/<lang>`` is a :func:`~tsreprog.data.synth.synthesize_commands` corpus with
    ``per_word = train_per_word + test_per_word``, ``test_fraction = test_per_word / per_word``
    and no validation list, so every word has exactly ``train_per_word`` training and
    ``test_per_word`` test clips, from disjoint voices. An existing folder made with the same
    arguments is resumed (see the synthesizer).

    Parameters
    ----------
    out_dir : path
        Parent folder; the sets go to ``out_dir/lt``, ``out_dir/ar``, ...
    langs : sequence of str
        Languages with built-in words (:data:`tsreprog.data.synth.LANGUAGE_WORDS`).
    train_per_word : int, 1 .. :data:`MAX_TRAIN_PER_WORD`
        Training clips per word.
    test_per_word : int >= 1
        Test clips per word.
    seed : int
        Seed of the voice split and the clips.
    words : mapping of lang to sequence of str, optional
        Use only these word folders of a language (default: all of its words).
    silence : bool
        Add a ``_silence_`` class with the same per-class counts.
    jobs : int
        Synthesis threads per language (``<= 0``: all CPUs).
    progress : bool
        Show the synthesizer's progress bars.

    Returns
    -------
    dict
        ``{lang: {"path", "n_classes", "train_per_class", "test_per_class", "manifest"}}``,
        where ``*_per_class`` map each class to its clip count.

    Raises
    ------
    ValueError
        For ``train_per_word`` outside 1 .. 20, ``test_per_word < 1``, or an unknown language.
    RuntimeError
        If espeak-ng is missing, or a class ends up with more than ``train_per_word`` (or no)
        training clips.
    """
    from tsreprog.data.synth import LANGUAGE_WORDS, synthesize_commands

    if not 1 <= int(train_per_word) <= MAX_TRAIN_PER_WORD:
        raise ValueError(
            f"train_per_word={train_per_word}; a low-resource set has 1 to "
            f"{MAX_TRAIN_PER_WORD} training clips per word"
        )
    if int(test_per_word) < 1:
        raise ValueError(f"test_per_word={test_per_word}; need at least 1 test clip per word")
    langs = [langs] if isinstance(langs, str) else list(langs)
    unknown = [lang for lang in langs if lang not in LANGUAGE_WORDS]
    if unknown:
        raise ValueError(f"unknown language(s) {unknown}; built-in: {sorted(LANGUAGE_WORDS)}")
    per_word = int(train_per_word) + int(test_per_word)
    test_fraction = int(test_per_word) / per_word
    out = Path(out_dir)
    result: dict[str, dict] = {}
    for lang in langs:
        chosen = None if words is None or lang not in words else list(words[lang])
        root = out / lang
        manifest = synthesize_commands(
            root,
            lang=lang,
            words=chosen,
            per_word=per_word,
            seed=seed,
            test_fraction=test_fraction,
            validation_fraction=0.0,
            silence_per_word=per_word if silence else 0,
            progress=progress,
            jobs=jobs,
        )
        train = _train_counts(root)
        test = dict(manifest["counts"]["testing"])
        over = {c: n for c, n in train.items() if n > train_per_word}
        if over or not train or min(train.values()) == 0:
            raise RuntimeError(
                f"{root}: training clips per class {train} break the limit of "
                f"{train_per_word} per word (or a class has none)"
            )
        result[lang] = {
            "path": str(root),
            "n_classes": len(train),
            "train_per_class": train,
            "test_per_class": test,
            "manifest": manifest,
        }
    return result


def find_datasets(
    data: str | os.PathLike, languages: Iterable[str] | str | None = None
) -> dict[str, Path]:
    """Map dataset names to folders: ``data`` itself or its language sub-folders.

    A *dataset folder* holds class folders and a ``testing_list.txt``. When ``data`` is one, it
    is the only dataset (named after the folder); otherwise every sub-folder that is one is a
    dataset, named after the sub-folder.

    Parameters
    ----------
    data : path
    languages : list of str, comma-separated str or None
        Keep these datasets, in this order (default: all, sorted by name).

    Returns
    -------
    dict of str to Path

    Raises
    ------
    FileNotFoundError
        If ``data`` is missing or holds no dataset folder, or a requested language is absent.
    """
    root = Path(data)
    if not root.is_dir():
        raise FileNotFoundError(f"speech data folder not found: {root}")
    if (root / "testing_list.txt").is_file():
        found = {root.resolve().name: root}
    else:
        found = {
            p.name: p
            for p in sorted(root.iterdir())
            if p.is_dir() and (p / "testing_list.txt").is_file()
        }
    if not found:
        raise FileNotFoundError(
            f"{root} holds no speech-commands set (a folder with class folders and "
            "testing_list.txt), nor sub-folders that do; make them with "
            "make_low_resource_sets() or `tsreprog speech --synthesize`"
        )
    wanted = harness.as_list(languages)
    if not wanted:
        return found
    missing = [w for w in wanted if w not in found]
    if missing:
        raise FileNotFoundError(f"dataset(s) {missing} not in {root}; found {sorted(found)}")
    return {w: found[w] for w in wanted}


def _load(root: Path, backbone: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Train and test clips of ``root`` at the backbone's sample rate and window."""
    from tsreprog.backbones import get_backbone_cfg
    from tsreprog.data.speech import load_speech_commands

    cfg = get_backbone_cfg(backbone)
    kw = dict(
        sample_rate=cfg.sample_rate, duration=cfg.input_samples / cfg.sample_rate, crop="energy"
    )
    Xtr, ytr = load_speech_commands(root, split="train", **kw)
    Xte, yte = load_speech_commands(root, split="testing", **kw)
    if Xtr.shape[1] != cfg.input_samples:  # pragma: no cover - rounding of the duration
        raise RuntimeError(f"loaded {Xtr.shape[1]} samples, the window has {cfg.input_samples}")
    return Xtr, ytr, Xte, yte


# ---------------------------------------------------------------------------------- methods
def study_params(method: str, mapping: str | None = None, params: Mapping | None = None) -> dict:
    """ReprogramClassifier parameters of one method (without ``random_state``).

    Parameters
    ----------
    method : str
        From :data:`METHODS`.
    mapping : str or None
        The many-to-one ``assignment`` for ``reprogram`` and ``reprogram+finetune`` (from
        :data:`MAPPINGS`), or ``"linear"`` for a linear head there; ignored (may be ``None`` or
        ``"linear"``) for the linear-head methods.
    params : mapping or None
        Overrides: ``PARAM`` for every method, ``METHOD__PARAM`` for one method (it wins).

    Returns
    -------
    dict

    Raises
    ------
    ValueError
        On an unknown method, mapping or parameter name, or an override of a parameter that
        defines the method (``reprogram``, ``finetune``, ``mapping``,
        ``scratch``'s ``weights``) or of ``random_state``.
    """
    from tsreprog import ReprogramClassifier
    from tsreprog.mappings import ManyToOne

    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose from {', '.join(METHODS)}")
    valid = set(ReprogramClassifier().get_params())
    general: dict = {}
    specific: dict = {}
    plain, by_method = harness.split_overrides(params, METHODS)
    tagged = [("", k, v) for k, v in plain.items()]
    tagged += [(m, k, v) for m, kv in by_method.items() for k, v in kv.items()]
    for prefix, name, value in tagged:
        key = f"{prefix}__{name}" if prefix else name
        if name.split("__", 1)[0] not in valid:
            raise ValueError(
                f"{key!r}: {name.split('__', 1)[0]!r} is not a ReprogramClassifier parameter "
                f"({', '.join(sorted(valid))}) nor a method of METHOD__PARAM "
                f"({', '.join(METHODS)})"
            )
        if name.split("__", 1)[0] in _RESERVED:
            raise ValueError(
                f"{key!r} cannot be set: the method defines {', '.join(_RESERVED[:3])} and "
                "each row's seed sets random_state (use --seeds)"
            )
        if prefix == method:
            specific[name] = value
        elif not prefix:
            general[name] = value
    if method == "scratch" and "weights" in specific:
        raise ValueError("'scratch__weights' cannot be set: scratch trains from a random init")
    if method == "scratch":
        general.pop("weights", None)  # a global weights file is for the pretrained methods
    out = {
        **STUDY_DEFAULTS,
        **METHOD_DEFAULTS.get(method, {}),
        **MAPPING_DEFAULTS.get((method, mapping), {}),
        **general,
        **specific,
        **_METHOD_PARAMS[method],
    }
    if method in _MANY_TO_ONE:
        if mapping not in REPROGRAM_MAPPINGS:
            raise ValueError(
                f"mapping {mapping!r} for {method}; choose from {', '.join(REPROGRAM_MAPPINGS)}"
            )
        out["mapping"] = _LINEAR if mapping == _LINEAR else ManyToOne(assignment=mapping)
    return out


def _cells_of(methods: Sequence[str], mappings: Sequence[str]) -> list[tuple[str, str]]:
    cells = []
    for method in methods:
        for mapping in mappings if method in _MANY_TO_ONE else [_LINEAR]:
            cells.append((method, mapping))
    return cells


# ---------------------------------------------------------------------------------- registry
def _build(kwargs: dict, seed: int):
    from tsreprog import ReprogramClassifier

    return ReprogramClassifier(random_state=seed).set_params(**kwargs)


def _study_kwargs(method: str):
    def kwargs(overrides: dict, mapping=None) -> dict:
        return study_params(method, mapping, overrides)

    return kwargs


_DESCRIPTIONS = {
    "scratch": "the backbone trained from a random initialisation, new linear head",
    "finetune": "the pretrained backbone fine-tuned, new linear head",
    "reprogram": "frozen pretrained backbone, θ and a many-to-one label mapping",
    "reprogram+finetune": "θ, many-to-one mapping and the backbone's weights trained together",
}
#: The study's methods, in the harness's registry form.
REGISTRY = harness.Registry("speech")
for _method in METHODS:
    REGISTRY.register(
        harness.Method(_method, "run", _DESCRIPTIONS[_method], _study_kwargs(_method), _build)
    )


def _named_by_method(method: str, mapping: str) -> bool:
    """A linear-head method's only variant goes by the method's name alone; a reprogramming
    method's variants (a linear head among them) also name their mapping."""
    return mapping == _LINEAR and method not in _MANY_TO_ONE


def _folder(method: str, mapping: str) -> str:
    """The results folder of a (method, mapping) variant: ``reprogram-similarity``."""
    return method if _named_by_method(method, mapping) else f"{method}-{mapping}"


def read_study(path: str | os.PathLike) -> pd.DataFrame:
    """Read the results folder of :func:`run_speech_study` (missing folder: empty frame).

    Returns
    -------
    DataFrame
        :data:`COLUMNS` first (then whatever else the records hold); ``seed`` as int, text
        columns without NaN.
    """
    df = as_frame(load_results(path).to_dict("records"), COLUMNS)
    for col in (*_TEXT_COLUMNS, "device"):
        df[col] = df[col].fillna("").astype(str)
    return df


# ---------------------------------------------------------------------------------- the study
_LOADED: dict[tuple[str, str], tuple] = {}


def _record(
    name: str, method: str, mapping: str, seed: int, params: Mapping | None
) -> tuple[dict, dict]:
    """The record of a cell before it runs, and the kwargs of its estimator."""
    kwargs = REGISTRY[method].kwargs(dict(params or {}), mapping)
    record = harness.blank_record(
        name,
        method,
        seed,
        mapping=mapping,
        estimator=_folder(method, mapping),
        params=harness.overrides_json(kwargs),
        estimator_params=REGISTRY[method].estimator_params(kwargs),
    )
    return record, kwargs


def _fit_cell(data: tuple, kwargs: dict, seed: int) -> tuple[dict, object]:
    """Fit one ReprogramClassifier configuration on ``data``; ``(numbers, cases)``."""
    Xtr, ytr, Xte, yte = data
    return harness.fit_and_score(_build(kwargs, seed), Xtr, ytr, Xte, yte)


def _run_cell(
    name: str, root: str, method: str, mapping: str, seed: int, params: Mapping | None
) -> tuple[dict, object]:
    """One row of the study: ``(record, cases)``; an error of the cell is recorded, not
    raised. The data of (dataset, backbone) are loaded once per process."""
    record, kwargs = _record(name, method, mapping, seed, params)

    def work(row: dict):
        backbone = str(kwargs.get("backbone", "attrnn"))
        if (root, backbone) not in _LOADED:
            _LOADED[(root, backbone)] = _load(Path(root), backbone)
        data = _LOADED[(root, backbone)]
        row.update(n_train=len(data[1]), n_test=len(data[3]), n_classes=len(np.unique(data[1])))
        numbers, cases = _fit_cell(data, kwargs, seed)
        row.update(numbers)
        return cases

    return harness.run_cell(record, work)


def run_speech_study(
    data: str | os.PathLike,
    methods: Iterable[str] | str = METHODS,
    mappings: Iterable[str] | str = DEFAULT_MAPPINGS,
    seeds: int = 3,
    out: str | os.PathLike | None = None,
    params: Mapping | None = None,
    verbose: bool = True,
    languages: Iterable[str] | str | None = None,
    jobs: int = 1,
) -> pd.DataFrame:
    """Run (or resume) the low-resource study; one row per (dataset, method, mapping, seed).

    Parameters
    ----------
    data : path
        A dataset folder (class folders and ``testing_list.txt``) or a parent of several
        (see :func:`find_datasets`).
    methods : list of str or comma-separated str
        From :data:`METHODS`.
    mappings : list of str or comma-separated str
        Mappings of ``reprogram`` and ``reprogram+finetune``, from :data:`REPROGRAM_MAPPINGS`
        (many-to-one assignments, or ``"linear"``). The linear-head methods run once per seed
        with mapping ``"linear"``.
    seeds : int >= 1
        Seeds ``0 .. seeds-1`` (the estimator's ``random_state``).
    out : path or None
        Results folder (:mod:`tsreprog.results`; a variant's folder is ``METHOD`` or
        ``METHOD-MAPPING``); cells whose file exists are not run again.
    params : mapping or None
        Estimator overrides (see :func:`study_params`), e.g. ``{"backbone": "tiny-test"}``.
    verbose : bool
        One line per finished row on stderr.
    languages : list of str, comma-separated str or None
        Datasets to run when ``data`` holds several (default: all).
    jobs : int
        Cells run in parallel processes (joblib; see :func:`tsreprog.harness.run_grid`).

    Returns
    -------
    DataFrame
        :data:`COLUMNS`; rows that raised have ``status == "failed"`` and the error.

    Raises
    ------
    ValueError
        On an unknown method or mapping, ``seeds < 1``, a reserved key in ``params``, or when
        ``out`` holds finished rows made with other parameters.
    FileNotFoundError
        When ``data`` holds no dataset.
    """
    methods = harness.as_list(methods)
    mappings = list(dict.fromkeys(harness.as_list(mappings)))
    REGISTRY.check(methods)
    if any(m in _MANY_TO_ONE for m in methods):
        bad = [m for m in mappings if m not in REPROGRAM_MAPPINGS]
        if bad or not mappings:
            raise ValueError(
                f"mapping(s) {bad or mappings}; choose from {', '.join(REPROGRAM_MAPPINGS)}"
            )
    harness.check_grid_args(seeds, "loky", None)
    variants = _cells_of(methods, mappings)
    for method, mapping in variants:  # reject bad overrides before any work
        study_params(method, mapping, params)
    out_path = harness.out_folder(out)
    sets = find_datasets(data, languages)
    cells = []
    for name, root in sets.items():
        for seed in range(int(seeds)):
            for method, mapping in variants:
                rec, _ = _record(name, method, mapping, seed, params)
                cells.append(harness.Cell(rec, (name, str(root), method, mapping, seed, params)))
    df = harness.run_grid(
        cells,
        lambda *task: _run_cell(*task),
        out=out_path,
        jobs=jobs,
        verbose=verbose,
        desc="speech",
        columns=COLUMNS,
    )
    for col in (*_TEXT_COLUMNS, "device"):
        df[col] = df[col].fillna("").astype(str)
    return df


# ---------------------------------------------------------------------------------- summary
def _variant(method: str, mapping: str) -> str:
    return method if _named_by_method(method, mapping) else f"{method} ({mapping})"


def summary_table(df: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard deviation of the accuracy over seeds.

    Parameters
    ----------
    df : DataFrame
        Rows of :func:`run_speech_study` (or :func:`read_study`); only ``status == "ok"`` rows
        (or all, without a ``status`` column) with an accuracy count.

    Returns
    -------
    DataFrame
        Columns ``dataset, method, mapping, variant, mean, std, n``; ``std`` is the sample
        standard deviation (``ddof=1``, NaN for one seed). Datasets in order of appearance,
        methods in :data:`METHODS` order, then mapping.
    """
    ok = ok_rows(df)
    cols = ["dataset", "method", "mapping", "variant", "mean", "std", "n"]
    if ok.empty:
        return pd.DataFrame(columns=cols)
    ok["accuracy"] = ok["accuracy"].astype(float)
    g = ok.groupby(["dataset", "method", "mapping"], sort=False)["accuracy"]
    table = g.agg(mean="mean", std="std", n="count").reset_index()
    order_d = {d: i for i, d in enumerate(dict.fromkeys(df["dataset"]))}
    order_m = {m: i for i, m in enumerate(METHODS)}
    order_p = {p: i for i, p in enumerate((_LINEAR, *MAPPINGS))}
    table = table.sort_values(
        ["dataset", "method", "mapping"],
        key=lambda s: s.map({"dataset": order_d, "method": order_m, "mapping": order_p}[s.name]),
        kind="stable",
    )
    table["variant"] = [_variant(m, p) for m, p in zip(table["method"], table["mapping"])]
    table["n"] = table["n"].astype(int)
    return table[cols].reset_index(drop=True)


def _pct(mean: float, std: float) -> str:
    if math.isnan(mean):
        return "—"
    return f"{100 * mean:.1f}" if math.isnan(std) else f"{100 * mean:.1f} ± {100 * std:.1f}"


def _paired(ok: pd.DataFrame, dataset: str, a: tuple[str, str], b: tuple[str, str]) -> dict:
    """Mean difference a − b and seeds where a > b (paired by seed)."""

    def acc(v: tuple[str, str]) -> pd.Series:
        sel = ok[(ok["dataset"] == dataset) & (ok["method"] == v[0]) & (ok["mapping"] == v[1])]
        return sel.groupby("seed")["accuracy"].mean()

    sa, sb = acc(a), acc(b)
    if sa.empty or sb.empty:
        return {}
    common = sa.index.intersection(sb.index)
    return {
        "delta": float(sa.mean() - sb.mean()),
        "wins": int((sa[common] > sb[common]).sum()),
        "ties": int((sa[common] == sb[common]).sum()),
        "paired": len(common),
    }


def comparisons(df: pd.DataFrame) -> pd.DataFrame:
    """Per dataset: each reprogramming variant against ``scratch``, similarity against ordered.

    Parameters
    ----------
    df : DataFrame
        As for :func:`summary_table`.

    Returns
    -------
    DataFrame
        Columns ``dataset, comparison, a, b, delta, wins, ties, paired, holds``: ``delta`` is
        mean(a) − mean(b) (accuracy over seeds); ``wins``/``ties`` count the seeds, out of
        ``paired`` seeds run by both, where a > b / a == b; ``holds`` is ``delta > 0`` for
        "beats scratch" and ``delta >= 0`` for "similarity ≥ ordered".
    """
    ok = ok_rows(df)
    ok["accuracy"] = ok["accuracy"].astype(float)
    out = []
    for dataset in dict.fromkeys(df["dataset"]):
        present = set(map(tuple, ok.loc[ok["dataset"] == dataset, ["method", "mapping"]].values))
        for method in _MANY_TO_ONE:
            for mapping in REPROGRAM_MAPPINGS:
                a = (method, mapping)
                if a not in present or ("scratch", _LINEAR) not in present:
                    continue
                res = _paired(ok, dataset, a, ("scratch", _LINEAR))
                out.append(
                    dict(dataset=dataset, comparison="beats scratch", a=_variant(*a), b="scratch")
                    | res
                    | {"holds": res["delta"] > 0}
                )
        for method in _MANY_TO_ONE:
            a, b = (method, "similarity"), (method, "ordered")
            if a in present and b in present:
                res = _paired(ok, dataset, a, b)
                out.append(
                    dict(
                        dataset=dataset,
                        comparison="similarity ≥ ordered",
                        a=_variant(*a),
                        b=_variant(*b),
                    )
                    | res
                    | {"holds": res["delta"] >= 0}
                )
    cols = ["dataset", "comparison", "a", "b", "delta", "wins", "ties", "paired", "holds"]
    return pd.DataFrame(out, columns=cols)


def summarize_speech_study(df: pd.DataFrame) -> str:
    """Markdown: accuracy (mean ± std over seeds, %) per dataset and method, and the verdicts.

    Parameters
    ----------
    df : DataFrame
        As for :func:`summary_table`.

    Returns
    -------
    str
        An accuracy table (datasets × method variants, the number of seeds in brackets when
        they differ between cells) and a table of :func:`comparisons`.
    """
    table = summary_table(df)
    if table.empty:
        return "No finished runs.\n"
    variants = list(dict.fromkeys(table["variant"]))
    datasets = list(dict.fromkeys(table["dataset"]))
    uneven = table["n"].nunique() > 1
    rows = []
    for d in datasets:
        sub = table[table["dataset"] == d].set_index("variant")
        cells = []
        for v in variants:
            if v not in sub.index:
                cells.append("—")
                continue
            r = sub.loc[v]
            text = _pct(float(r["mean"]), float(r["std"]))
            cells.append(f"{text} (n={int(r['n'])})" if uneven else text)
        rows.append([d, *cells])
    n_seeds = int(table["n"].max())
    parts = [
        f"Test accuracy (%), mean ± std over seeds (up to {n_seeds}):",
        "",
        md_table(["dataset", *variants], rows),
        "",
    ]
    comp = comparisons(df)
    if not comp.empty:
        crow = []
        for r in comp.itertuples(index=False):
            ties = f", {r.ties} tied" if r.ties else ""
            verdict = "yes" if r.holds else "no"
            crow.append(
                [
                    r.dataset,
                    f"{r.a} vs {r.b}",
                    f"{100 * r.delta:+.1f}",
                    f"{r.wins}/{r.paired}{ties}",
                    f"{r.comparison}: {verdict}",
                ]
            )
        parts += [
            "Δ = difference of the mean accuracies (percentage points); seeds: where a > b.",
            "",
            md_table(["dataset", "a vs b", "Δ (pts)", "seeds a > b", "verdict"], crow),
            "",
        ]
    return "\n".join(parts) + "\n"


def plot_speech_study(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a grouped bar chart: accuracy per dataset and method, error bars = std over seeds.

    Parameters
    ----------
    df : DataFrame
        As for :func:`summary_table`.
    path : path
        Output file; the format follows the suffix (PNG recommended).

    Returns
    -------
    Path
    """
    require("matplotlib", "speech --plot")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    table = summary_table(df)
    datasets = list(dict.fromkeys(table["dataset"]))
    variants = list(dict.fromkeys(table["variant"]))
    fig = Figure(figsize=(max(5.0, 1.2 + 0.45 * len(variants) * max(1, len(datasets))), 4.8))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    width = 0.8 / max(1, len(variants))
    x = np.arange(len(datasets))
    for i, v in enumerate(variants):
        sub = table[table["variant"] == v].set_index("dataset").reindex(datasets)
        ax.bar(
            x + (i - (len(variants) - 1) / 2) * width,
            100 * sub["mean"].to_numpy(dtype=float),
            width,
            yerr=100 * sub["std"].fillna(0).to_numpy(dtype=float),
            capsize=2,
            label=v,
            color=f"C{i}",
        )
    ax.set_xticks(x, datasets)
    ax.set_ylabel("test accuracy %")
    ax.set_ylim(0, 100)
    if variants:
        # below the axes, so it never hides the tallest bars
        ax.legend(
            fontsize=8,
            ncols=min(3, len(variants)),
            loc="upper center",
            bbox_to_anchor=(0.5, -0.08),
            frameon=False,
        )
    else:
        ax.text(0.5, 0.5, "no finished runs", ha="center", va="center", transform=ax.transAxes)
    ax.set_title("low-resource spoken commands: mean ± std over seeds", fontsize=10)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    return path


# ---------------------------------------------------------------------------------- CLI
def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the ``speech`` options to ``parser`` (the ``tsreprog speech`` subcommand)."""
    parser.description = (
        "Low-resource spoken-command recognition: training from scratch, fine-tuning and "
        "reprogramming the English model (Yen et al.)."
    )
    parser.add_argument(
        "--data",
        required=True,
        help="a speech-commands folder (class folders + testing_list.txt) or a parent of "
        "several (lt/, ar/, cmn/)",
    )
    parser.add_argument(
        "--languages", default=None, help="comma-separated datasets of DATA (default: all)"
    )
    parser.add_argument(
        "--methods",
        default=",".join(METHODS),
        help=f"comma-separated, from {','.join(METHODS)} (default: %(default)s)",
    )
    parser.add_argument(
        "--mapping",
        default=",".join(DEFAULT_MAPPINGS),
        help="label mapping(s) of the reprogramming methods, comma-separated, from "
        f"{','.join(REPROGRAM_MAPPINGS)} (linear: a head on the backbone's features, the "
        "estimator's default and the only one for backbones without source classes; "
        "default: %(default)s)",
    )
    parser.add_argument("--seeds", type=int, default=3, help="run seeds 0..N-1 (default 3)")
    parser.add_argument(
        "--out", default=None, help="results folder (one file per cell); rerunning resumes it"
    )
    parser.add_argument("--plot", default=None, help="write a bar chart (PNG)")
    add_set_argument(
        parser,
        help="ReprogramClassifier parameters (METHOD__PARAM=VALUE reaches one method)",
    )
    parser.add_argument(
        "--synthesize",
        action="store_true",
        help="first make the low-resource sets in DATA (espeak-ng; resumes an earlier run)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="parallel cells (joblib), and synthesis threads with --synthesize",
    )
    return parser


def main(args: argparse.Namespace | Sequence[str] | None = None) -> int:
    """Run ``tsreprog speech``; progress to stderr, the Markdown summary to stdout.

    Parameters
    ----------
    args : Namespace, list of str or None
        Parsed options (from the ``tsreprog`` CLI) or an argument list (``None``: sys.argv).

    Returns
    -------
    int
        0, or 1 when a row failed.
    """
    from tsreprog._params import as_namespace, parse_set

    args = as_namespace(args, add_arguments, "tsreprog speech")
    if args.synthesize:
        langs = harness.as_list(args.languages) or list(DEFAULT_LANGUAGES)
        made = make_low_resource_sets(args.data, langs=langs, jobs=args.jobs, progress=True)
        for info in made.values():
            n_tr = sum(info["train_per_class"].values())
            n_te = sum(info["test_per_class"].values())
            print(f"{info['path']}: {info['n_classes']} classes, {n_tr} train / {n_te} test clips")
    df = run_speech_study(
        args.data,
        methods=args.methods,
        mappings=args.mapping,
        seeds=args.seeds,
        out=args.out,
        params=parse_set(args.set, reserved={"random_state": "--seeds"}),
        verbose=True,
        languages=args.languages,
        jobs=args.jobs,
    )
    if args.out:
        print(f"results: {args.out}")
    if args.plot:
        print(f"figure: {plot_speech_study(df, args.plot)}")
    print()
    print(summarize_speech_study(df), end="")
    return 1 if (df["status"] == "failed").any() else 0
