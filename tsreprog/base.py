"""BaseReprogrammer: the fitting machinery and the fitted model behind ReprogramClassifier.

Split as scikit-learn splits ``BaseMultilayerPerceptron`` from ``MLPClassifier``: the estimator
class declares parameters and the prediction API; this base checks the training data,
initialises the stages and the model (skorch's ``initialize_*`` boundaries), trains with the
step object of ``tsreprog.step`` in the loop of ``tsreprog.training``, and records the fitted
state in one assignment. A fit visits, in order: placement, perturbation, front end and
backbone, mapping, step.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch
from sklearn.base import BaseEstimator, clone
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from tsreprog import inference, inputs
from tsreprog.backbones import create_backbone, get_backbone_cfg, state_dict_sha256
from tsreprog.backbones._registry import split_name
from tsreprog.mappings import Mapping, get_mapping
from tsreprog.model import ReprogrammedModel
from tsreprog.perturbation import InputReprogrammer
from tsreprog.placements import Placement, get_placement
from tsreprog.saving import load_estimator, save_estimator
from tsreprog.step import ReprogramStep
from tsreprog.training import adam_with_schedule, holdout_split, train_loop

__all__ = ["BaseReprogrammer", "EnsembleError", "members_state"]

# the spectra of the placed training series are computed once per fit when they fit in this
# many MB (0.5 MB per series for the AttRNN: ECG5000's 500 series fit, FordA's 3,601 do not)
_SPEC_CACHE_MB = 512.0


def _numpy_state(module: torch.nn.Module) -> dict[str, np.ndarray]:
    return {k: v.detach().cpu().numpy().copy() for k, v in module.state_dict().items()}


class EnsembleError(ValueError, AttributeError):
    """What looks into one reprogramming was asked of an ensemble."""


def _shipped_tag_with_sha(name: str, sha: str) -> str | None:
    """``"arch.tag"``: the shipped weights of backbone ``name`` (given without a tag) whose
    state dict has sha256 ``sha``, or ``None``. An estimator fitted with ``weights="default"``
    records the sha256, not the tag, so this finds its weights after the default tag changed."""
    arch, tag = split_name(name)
    if tag is not None:
        return None
    for other in get_backbone_cfg(arch).weights:
        try:
            candidate = create_backbone(f"{arch}.{other}")
        except (FileNotFoundError, ImportError, ValueError):  # not installed, or not shipped
            continue
        if state_dict_sha256(candidate) == sha:
            return f"{arch}.{other}"
    return None


def members_state(fitted: list) -> dict:
    """The fitted attributes of an ensemble of fitted single reprogrammings ``fitted``."""
    first = fitted[0]
    # one backbone for all, except a randomly initialised one (each member draws its own)
    shas = [m.backbone_sha256_ for m in fitted]
    state = {
        "estimators_": list(fitted),
        "classes_": first.classes_,
        "backbone_sha256_": shas[0] if len(set(shas)) == 1 else shas,
        "n_trainable_params_": int(sum(m.n_trainable_params_ for m in fitted)),
        "n_iter_": np.array([m.n_iter_ for m in fitted]),
        "best_epoch_": np.array([m.best_epoch_ for m in fitted]),
        "device_": first.device_,
    }
    for key in ("n_features_in_", "feature_names_in_"):
        if key in first.__dict__:
            state[key] = first.__dict__[key]
    return state


class BaseReprogrammer(BaseEstimator):
    """Fit and fitted-model plumbing of a reprogramming estimator (not used on its own).

    Subclasses define the parameters (``backbone``, ``weights``, ``placement``, ``scaling``,
    ``mask``, ``dropout``, ``l2``, ``mapping``, the optimiser's and the loop's) and call
    :meth:`_fit` from ``fit``.
    """

    # ------------------------------------------------------------------ members
    def _forget_fit(self) -> None:
        """Drop the attributes of an earlier fit, so a refit of another kind (one
        reprogramming after an ensemble, or the reverse) leaves none of them behind."""
        for key in [k for k in self.__dict__ if k.endswith("_") and not k.startswith("__")]:
            del self.__dict__[key]
        self.__dict__.pop("_model", None)
        self.__dict__.pop("_device", None)

    def _views(self) -> list:
        """The placements, as a list (one for a single placement)."""
        views = (
            list(self.placement) if isinstance(self.placement, (tuple, list)) else [self.placement]
        )
        if not views:
            raise ValueError("placement=() names no placement; give at least one")
        for view in views:
            get_placement(view)  # a clear error for an unknown name or a wrong type
        return views

    def _members(self) -> list[tuple]:
        """``(placement, random_state)`` of each member, in the order (seed, placement).

        The first seed is ``random_state`` itself; the others are drawn from it (``None``
        stays ``None``: not reproducible, as for one reprogramming).
        """
        seeds = [self.random_state]
        if self.n_seeds > 1:
            if self.random_state is None:
                seeds = [None] * self.n_seeds
            else:
                rng = check_random_state(self.random_state)
                if isinstance(self.random_state, np.random.RandomState):
                    seeds = [int(s) for s in rng.randint(np.iinfo(np.int32).max, size=self.n_seeds)]
                else:
                    extra = rng.randint(np.iinfo(np.int32).max, size=self.n_seeds - 1)
                    seeds += [int(s) for s in extra]
        return [(view, seed) for seed in seeds for view in self._views()]

    def _fit_members(self, X, y, members: list[tuple]) -> BaseReprogrammer:
        """Fit one single reprogramming per member and keep them as ``estimators_``."""
        t0 = time.perf_counter()
        fitted = []
        for view, seed in members:
            member = clone(self).set_params(placement=view, n_seeds=1, random_state=seed)
            fitted.append(member.fit(X, y))
        self.__dict__.update(members_state(fitted))
        self.fit_time_ = time.perf_counter() - t0
        return self

    def _check_single(self, what: str) -> None:
        """Refuse ``what`` on an ensemble, naming the member route (an AttributeError too, so
        that ``hasattr(clf, "model_")`` is False for an ensemble)."""
        if "estimators_" in self.__dict__:
            raise EnsembleError(
                f"{what} looks into one reprogramming, and this {type(self).__name__} is an "
                f"ensemble of {len(self.estimators_)} members (placement={self.placement!r}, "
                f"n_seeds={self.n_seeds}); call it on a member, e.g. clf.estimators_[0]"
            )

    def _fit(self, X, y) -> BaseReprogrammer:
        t0 = time.perf_counter()
        series, y_enc, classes = self._check_fit_data(X, y)
        cfg = get_backbone_cfg(self.backbone)
        placement, mapping = self._initialize_stages(cfg, len(classes))
        device = inputs.resolve_device(self.device)
        rng = check_random_state(self.random_state)
        backbone_seed, torch_seed = (int(rng.randint(np.iinfo(np.int32).max)) for _ in "bt")
        mean, std = (
            inputs.mean_std(np.concatenate(series)) if self.scaling == "dataset" else (0.0, 1.0)
        )
        scaled = inputs.scale(series, self.scaling, mean, std)
        placed, occ = inputs.place(
            scaled, placement, cfg.input_samples, cfg.sample_rate, self.scaling
        )
        tr, va = holdout_split(y_enc, len(classes), self.validation_fraction, rng)
        gen = torch.Generator().manual_seed(torch_seed)  # this fit's own: reproducible in threads
        model = self._initialize_model(
            backbone_seed,
            gen,
            mapping,
            rng,
            device,
            len(classes),
            placed[tr],
            inference.rows(occ, tr),
            y_enc[tr],
        )
        sha = state_dict_sha256(model.backbone)  # the weights before any fine-tuning
        res = self._train(
            model,
            placed,
            occ,
            torch.from_numpy(y_enc).long(),
            tr,
            va,
            device,
            torch_seed,
            remap=self._remapper(mapping, model, placed[tr], inference.rows(occ, tr), y_enc[tr]),
        )
        model.reprogrammer.generator = None
        model.eval()
        described = mapping.describe(model.mapping)
        fitted = {
            "classes_": classes,
            "placement_": placement,
            "mapping_": mapping,
            "scale_mean_": mean,
            "scale_std_": std,
            "backbone_seed_": backbone_seed,
            "theta_": model.reprogrammer.theta.detach().cpu().numpy().copy(),
            "mapping_state_": _numpy_state(model.mapping),
            "mapping_matrix_": described["matrix"] if described["kind"] == "assignment" else None,
            "finetuned_backbone_": _numpy_state(model.backbone) if self.finetune else None,
            "history_": res.history,
            "best_epoch_": res.best_epoch,
            "n_iter_": len(res.history["epoch"]),
            "backbone_sha256_": sha,
            "n_trainable_params_": model.count_parameters()[0],
            "device_": str(device),
            "_model": model,
            "_device": device,
        }
        self.__dict__.update(fitted)  # all at once: only a finished fit is recorded
        self.fit_time_ = time.perf_counter() - t0
        return self

    def _check_fit_data(self, X, y):
        """``(series, encoded y, classes)`` after scikit-learn's checks."""
        _, series = inputs.validate_series(self, X, reset=True)
        if y is None:
            raise ValueError(
                "ReprogramClassifier requires y to be passed, but the target y is None"
            )
        y = column_or_1d(y, warn=True)
        if len(y) != len(series):
            raise ValueError(f"X has {len(series)} series but y has {len(y)} labels")
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        if len(encoder.classes_) < 2:
            raise ValueError(
                f"y holds one class ({encoder.classes_[0]!r}); a classifier needs at least 2 "
                "classes"
            )
        return series, encoder.transform(y), encoder.classes_

    def _initialize_stages(self, cfg, n_classes: int) -> tuple[Placement, Mapping]:
        """This fit's placement and mapping, checked against the backbone and each other."""
        mapping = clone(get_mapping(self.mapping))
        mapping.check_backbone(cfg)
        mapping.check(cfg.output_width(mapping.reads(cfg)), n_classes)
        if not (self.reprogram or self.finetune or mapping.trains):
            raise ValueError(
                "nothing to train: reprogram=False and finetune=False with a many-to-one "
                "mapping; set reprogram=True, finetune=True or mapping='linear'"
            )
        (view,) = self._views()
        placement = clone(get_placement(view))
        placement.check(cfg.input_samples, cfg.sample_rate)
        if self.mask and placement.fills_window():
            raise ValueError(
                f"mask=True and placement={placement!r} conflict: this placement fills the "
                "whole window, so the mask would zero θ everywhere; use mask=False, or a "
                "placement that leaves part of the window free (pad, repeat, resample with "
                "a length)"
            )
        return placement, mapping

    def _initialize_input_side(self, backbone_seed: int, generator=None, backbone=None):
        """``(reprogrammer, backbone)``: θ drawn from ``generator``, the backbone's weights
        (of ``backbone``, a name with a weights tag, instead of ``self.backbone`` if given)."""
        bb = create_backbone(backbone or self.backbone, weights=self.weights, seed=backbone_seed)
        rep = InputReprogrammer(
            bb.cfg.input_samples,
            mask=self.mask,
            dropout=self.dropout,
            init="glorot" if self.reprogram else "zeros",
            generator=generator,
        )
        rep.theta.requires_grad_(self.reprogram)
        return rep, bb

    def _initialize_model(
        self, backbone_seed, gen, mapping, rng, device, n_classes, placed, occ, y
    ):
        """The model to train; a data-driven mapping first scores the training rows with the
        source side alone (θ at its initialisation), so each module is built once."""
        rep, bb = self._initialize_input_side(backbone_seed, gen)
        source_side = ReprogrammedModel(rep, bb, None, finetune=self.finetune).to(device)

        def scores(kind: str) -> np.ndarray:
            return inference.assignment_scores(kind, source_side, placed, occ, y, n_classes, device)

        layer = mapping.reads(bb.cfg)
        mp = mapping.build(
            bb.cfg.output_width(layer), n_classes, rng=rng, generator=gen, scores=scores
        )
        return ReprogrammedModel(rep, bb, mp.to(device), finetune=self.finetune, layer=layer)

    @staticmethod
    def _remapper(mapping, model, placed, occ, y):
        """The per-epoch update of a mapping that ``remaps`` (else ``None``): scores of the
        training rows under the current θ, then :meth:`Mapping.remap`."""
        if not mapping.remaps:
            return None
        n_classes = int(model.mapping.n_target)

        def remap(device):
            def scores(kind: str) -> np.ndarray:
                return inference.assignment_scores(kind, model, placed, occ, y, n_classes, device)

            mapping.remap(model.mapping, scores)
            model.train()

        return remap

    def _train(self, model, placed, occ, y, tr, va, device, torch_seed, remap=None):
        """Optimiser, step and loop (``tsreprog.step``, ``tsreprog.training``) on rows ``tr``;
        ``remap(device)``, when given, runs after every epoch."""
        threads = inference.default_threads(device)
        bb_ids = {id(p) for p in model.backbone.parameters()}
        trainable = [p for p in model.parameters() if p.requires_grad]
        opt, sched = adam_with_schedule(
            [
                {"params": [p for p in trainable if id(p) not in bb_ids], "lr": self.lr},
                {"params": [p for p in trainable if id(p) in bb_ids], "lr": self.finetune_lr},
            ],
            self.lr_schedule,
            self.epochs,
            -(-len(tr) // self.batch_size),
        )
        tr_placed = placed[tr].to(device)
        step = ReprogramStep(
            model,
            tr_placed,
            inference.rows(occ, tr).to(device),
            y[tr].to(device),
            l2=self.l2,
            spectra=model.placed_spectra(tr_placed, _SPEC_CACHE_MB),
            threads=threads,
        )
        if self.verbose:
            n_trainable, n_total = model.count_parameters()
            print(
                f"ReprogramClassifier: trainable params {n_trainable:,} of {n_total:,} "
                f"({100 * n_trainable / n_total:.2f}%), {len(tr)} training series, "
                f"{0 if va is None else len(va)} validation series, device {device}"
            )

        def evaluate():
            lp = inference.log_proba(model, placed[va], inference.rows(occ, va), device, threads)
            return torch.nn.functional.nll_loss(lp, y[va]).item(), (
                lp.argmax(1) == y[va]
            ).float().mean().item()

        try:
            return train_loop(
                model,
                step,
                len(tr),
                opt,
                epochs=self.epochs,
                batch_size=self.batch_size,
                generator=torch.Generator().manual_seed(torch_seed),
                evaluate=None if va is None else evaluate,
                patience=self.patience,
                loss_floor=self.loss_floor,
                max_steps=self.max_steps,
                scheduler=sched,
                verbose=bool(self.verbose),
                desc="ReprogramClassifier",
                on_epoch_end=None if remap is None else lambda *_: remap(device),
            )
        finally:
            step.close()

    def set_params(self, **params) -> BaseReprogrammer:
        """Set parameters, also a stage's own (``placement__n_repeats``, ``mapping__n_map``).

        A stage given by name becomes that entry's default instance when one of its
        parameters is set, so grid searches over ``placement__...`` work from the defaults.
        """
        for stage, get in (("placement", get_placement), ("mapping", get_mapping)):
            if any(k.startswith(stage + "__") for k in params):
                value = params.pop(stage, getattr(self, stage))
                if isinstance(value, (tuple, list)):
                    raise ValueError(
                        f"{stage}__... cannot be set on several placements ({value!r}); give "
                        f"configured instances instead, e.g. placement=(Repeat(length=128), 'am')"
                    )
                setattr(self, stage, clone(get(value)))
        return super().set_params(**params)

    # ------------------------------------------------------------------ fitted model
    @property
    def model_(self) -> ReprogrammedModel:
        """The fitted :class:`~tsreprog.model.ReprogrammedModel` (eval mode)."""
        self._check_single("model_")
        check_is_fitted(self, "theta_")
        if getattr(self, "_model", None) is None:
            self._restore_model()
        return self._model

    def _restore_model(self) -> None:
        """Rebuild the fitted model on the CPU, refusing changed backbone weights.

        With ``weights="default"`` and a backbone named without a tag, the weights are those of
        the default tag *when the estimator was fitted*: if the default tag has changed since,
        the shipped tag whose weights have the recorded sha256 is used instead.
        """
        rep, bb = self._initialize_input_side(self.backbone_seed_)
        sha = state_dict_sha256(bb)
        if sha != self.backbone_sha256_ and self.weights == "default":
            tagged = _shipped_tag_with_sha(self.backbone, self.backbone_sha256_)
            if tagged is not None:
                rep, bb = self._initialize_input_side(self.backbone_seed_, backbone=tagged)
                sha = self.backbone_sha256_  # the tag was chosen for this checksum
        if sha != self.backbone_sha256_:
            raise ValueError(
                f"the backbone {self.backbone!r} (weights={self.weights!r}) now has sha256 {sha}, "
                f"but this estimator was fitted with {self.backbone_sha256_}: the weights file "
                "changed. Load the estimator where the original weights are available, or refit."
            )
        layer = self.mapping_.reads(bb.cfg)
        mp = self.mapping_.from_state(
            bb.cfg.output_width(layer), len(self.classes_), self.mapping_state_
        )
        model = ReprogrammedModel(rep, bb, mp, finetune=self.finetune, layer=layer)
        with torch.no_grad():
            model.reprogrammer.theta.copy_(torch.from_numpy(self.theta_))
        if getattr(self, "finetuned_backbone_", None) is not None:
            model.backbone.load_state_dict(
                {k: torch.from_numpy(v) for k, v in self.finetuned_backbone_.items()}
            )
        self._model, self._device = model.eval(), torch.device("cpu")

    def scale(self, X) -> list[np.ndarray]:
        """The series of ``X`` as the placement receives them (see ``scaling``), float64."""
        self._check_single("scale()")
        check_is_fitted(self, "theta_")
        _, series = inputs.validate_series(self, X, reset=False)
        return inputs.scale(series, self.scaling, self.scale_mean_, self.scale_std_)

    def place(self, X) -> tuple[torch.Tensor, torch.Tensor]:
        """``(placed, occupied)``: the scaled series in the window, ``(n, window)`` float32,
        and where they sit, ``(n or 1, window)`` bool (one row when the same for all)."""
        self._check_single("place()")
        cfg = get_backbone_cfg(self.backbone)
        return inputs.place(
            self.scale(X), self.placement_, cfg.input_samples, cfg.sample_rate, self.scaling
        )

    def _prepare(self, X):
        """``(model, placed, occupied, device)`` for inference, the model moved to ``device``."""
        placed, occ = self.place(X)
        device, model = inputs.resolve_device(self.device), self.model_
        if self._device != device:
            self._model, self._device = model.to(device), device
        return model, placed, occ, device

    # ------------------------------------------------------------------ persistence
    def save(self, path) -> Path:
        """Write the fitted estimator to the folder ``path``: ``config.json`` (parameters,
        classes, the backbone's name, weights and sha256) and ``model.safetensors`` (θ, the
        mapping's state, a fine-tuned backbone's weights). An ensemble writes one such folder
        per member and a ``config.json`` that lists them. See :mod:`tsreprog.saving`."""
        if "estimators_" not in self.__dict__:
            check_is_fitted(self, "theta_")
        return save_estimator(self, path)

    @classmethod
    def load(cls, path):
        """An estimator saved by :meth:`save`; refuses a backbone whose weights changed."""
        return load_estimator(cls, path)

    def __getstate__(self) -> dict:
        state = dict(super().__getstate__())
        state.pop("_model", None)
        state.pop("_device", None)
        return state

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        if "theta_" in self.__dict__:
            self._restore_model()  # verifies the backbone's checksum now, on the CPU
