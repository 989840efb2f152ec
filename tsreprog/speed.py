"""``tsreprog bench-speed``: training and inference throughput, fit times and peak memory.

Two paths of the same :class:`~tsreprog.model.ReprogrammedModel` are timed in one process:

- **reference**: ``logmel(placed + θ)``: the perturbed batch goes through the whole front end,
  and the backward pass runs through the STFT of every series; PyTorch's kernels only
  (``set_native(model, False)``);
- **optimized**: what ``ReprogramClassifier`` uses: the placed series' spectrum, computed once
  and cached (``ReprogrammedModel.placed_spectra``; the estimator does this when the training
  set's spectra fit in 512 MB), plus θ's spectrum once per step (linearity of the STFT), the
  power spectrum of their sum with a hand-written backward pass
  (``tsreprog.frontend._MelPowerOfSum``), and on CPU: tsreprog's native kernels where they
  are built (``tsreprog.kernels``: the fused mel power of that sum and its backward, the
  AttRNN's convolution block and LSTM recurrences without weight gradients) and the
  mini-batch split over one worker thread per core, each with one intra-op thread
  (``tsreprog.training.ThreadedGrad``), instead of two intra-op threads fighting over each
  small op.

A training step is forward + backward to θ + an Adam step on a batch of 32 one-second 16 kHz
inputs; inference is a forward pass without gradient (batch 32 for the reference, the
estimator's prediction batch for the optimized path). The last line printed is
``train throughput ratio (optimized/reference): X.XX``.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from tsreprog import inference
from tsreprog._io import peak_rss_mb
from tsreprog.backbones import create_backbone
from tsreprog.kernels import set_native
from tsreprog.mappings import ManyToOneMapping, assign_many_to_one
from tsreprog.model import ReprogrammedModel
from tsreprog.perturbation import InputReprogrammer
from tsreprog.step import ReprogramStep

__all__ = [
    "benchmark_model",
    "compare_throughput",
    "measure_throughput",
    "run_speed_benchmark",
]


def benchmark_model(backbone: str, weights, device) -> ReprogrammedModel:
    """The model bench-speed times: the backbone, θ and a 2-class many-to-one mapping."""
    bb = create_backbone(backbone, weights=weights, seed=0)
    rep = InputReprogrammer(bb.cfg.input_samples)
    return ReprogrammedModel(rep, bb, ManyToOneMapping(assign_many_to_one(36, 2))).to(device)


def _sync(device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


class _Path:
    """One path's training step and inference pass on fixed random data, ready to time.

    Both paths run the estimator's own :class:`~tsreprog.step.ReprogramStep` and
    :func:`tsreprog.inference.log_proba`; the reference with ``fast=False``, no cached
    spectra, PyTorch's kernels only and torch's own intra-op threads.
    """

    def __init__(self, optimized, backbone, weights, batch_size, dev, infer_batch) -> None:
        self.batch_size = batch_size
        self.threads = inference.default_threads(dev) if optimized else 1
        torch.manual_seed(0)
        self.model = model = benchmark_model(backbone, weights, dev)
        set_native(model, optimized)  # the reference runs on PyTorch's kernels only
        window = model.reprogrammer.window
        x = torch.randn(batch_size, window, device=dev)
        self.occ = torch.zeros(1, window, dtype=torch.bool, device=dev)
        y = torch.randint(0, 2, (batch_size,), device=dev)
        spectra = model.placed_spectra(x) if optimized else None
        self.step = ReprogramStep(
            model, x, self.occ, y, spectra=spectra, threads=self.threads, fast=optimized
        )
        self.idx = torch.arange(batch_size)
        self.opt = torch.optim.Adam([model.reprogrammer.theta], lr=0.05)
        self.nb = infer_batch or batch_size
        self.xi = torch.randn(self.nb, window, device=dev)
        self.dev = dev

    def train_step(self) -> None:
        self.model.train()
        self.opt.zero_grad(set_to_none=True)
        self.step(self.idx)
        self.opt.step()

    def infer(self) -> None:
        self.model.eval()
        inference.log_proba(self.model, self.xi, self.occ, self.dev, self.threads)

    def close(self) -> None:
        self.step.close()


def _rate(fn, n_calls: int, samples_per_call: int, dev) -> float:
    _sync(dev)
    t0 = time.perf_counter()
    for _ in range(n_calls):
        fn()
    _sync(dev)
    return n_calls * samples_per_call / (time.perf_counter() - t0)


def compare_throughput(
    backbone: str = "attrnn",
    weights=None,
    batch_size: int = 32,
    steps: int = 20,
    warmup: int = 3,
    repeats: int = 3,
    device: str = "cpu",
    infer_batch: int | None = None,
    paths: tuple[bool, ...] = (False, True),
) -> dict[bool, dict]:
    """Samples per second of training steps and of inference, paths timed in alternation.

    Each of ``repeats`` rounds times ``steps`` training steps of every path in turn (after
    ``warmup`` steps each), then their inference, so that a slow spell of a shared machine
    hits both paths alike. Returns ``{optimized: {"train_samples_per_s", "infer_samples_per_s",
    "train_rounds"}}`` with the medians over rounds (``paths``: which of reference ``False``
    and optimized ``True`` to run).
    """
    dev = torch.device(device)
    runs = {
        opt: _Path(opt, backbone, weights, batch_size, dev, infer_batch if opt else None)
        for opt in paths
    }
    train = {opt: [] for opt in paths}
    infer = {opt: [] for opt in paths}
    try:
        for p in runs.values():
            for _ in range(warmup):
                p.train_step()
                p.infer()
        for _ in range(repeats):
            for opt, p in runs.items():
                train[opt].append(_rate(p.train_step, steps, batch_size, dev))
            for opt, p in runs.items():
                n_inf = max(1, steps * batch_size // p.nb)
                infer[opt].append(_rate(p.infer, n_inf, p.nb, dev))
    finally:
        for p in runs.values():
            p.close()
    return {
        opt: {
            "train_samples_per_s": float(np.median(train[opt])),
            "infer_samples_per_s": float(np.median(infer[opt])),
            "train_rounds": train[opt],
        }
        for opt in paths
    }


def measure_throughput(optimized: bool, **kwargs) -> dict:
    """:func:`compare_throughput` for one path alone (same keyword arguments)."""
    return compare_throughput(paths=(optimized,), **kwargs)[optimized]


def _fit_times(data, device: str, weights) -> list[dict]:
    from tsreprog import ReprogramClassifier
    from tsreprog.data.ucr import load_dataset

    rows = []
    for name in ("GunPoint", "ECG5000"):
        try:
            src = None if name == "GunPoint" else data
            if src is None and name != "GunPoint":
                raise FileNotFoundError("needs --data")
            Xtr, ytr, Xte, yte = load_dataset(name, data=src)
        except (FileNotFoundError, ValueError) as e:
            rows.append({"dataset": name, "error": f"skipped: {e}"})
            continue
        clf = ReprogramClassifier(weights=weights, random_state=0, device=device)
        t0 = time.perf_counter()
        clf.fit(Xtr, ytr)
        fit_s = time.perf_counter() - t0
        acc = clf.score(Xte, yte)
        row = {
            "dataset": name,
            "method": "tsreprog",
            "fit_seconds": fit_s,
            "epochs": clf.n_iter_,
            "accuracy": acc,
        }
        rows.append(row)
        try:
            from sktime.classification.kernel_based import RocketClassifier

            mr = RocketClassifier(rocket_transform="minirocket", random_state=0)
            t0 = time.perf_counter()
            mr.fit(Xtr[:, None, :], ytr)
            fit_mr = time.perf_counter() - t0
            rows.append(
                {
                    "dataset": name,
                    "method": "minirocket",
                    "fit_seconds": fit_mr,
                    "accuracy": float((mr.predict(Xte[:, None, :]) == yte).mean()),
                }
            )
        except ImportError as e:  # pragma: no cover
            rows.append({"dataset": name, "method": "minirocket", "error": str(e)})
    return rows


def run_speed_benchmark(
    device: str = "cpu",
    weights=None,
    steps: int = 20,
    repeats: int = 5,
    data=None,
    fit: bool = True,
    out=print,
) -> float:
    """Run the whole benchmark, print a report, return the training throughput ratio."""
    dev = torch.device(device)
    desc = torch.cuda.get_device_name(dev) if dev.type == "cuda" else "CPU"
    out(
        f"tsreprog bench-speed: torch {torch.__version__}, device {desc}, "
        f"{torch.get_num_threads()} threads, backbone attrnn, batch 32, 16000 samples"
    )
    res = compare_throughput(
        weights=weights, steps=steps, repeats=repeats, device=device, infer_batch=256
    )
    ref, opt = res[False], res[True]
    out("| path | train samples/s | inference samples/s |")
    out("|---|---|---|")
    out(f"| reference | {ref['train_samples_per_s']:.1f} | {ref['infer_samples_per_s']:.1f} |")
    out(f"| optimized | {opt['train_samples_per_s']:.1f} | {opt['infer_samples_per_s']:.1f} |")
    rounds = [o / r for o, r in zip(opt["train_rounds"], ref["train_rounds"])]
    out(
        f"(medians of {repeats} alternating rounds of {steps} steps; train ratio per round: "
        + ", ".join(f"{q:.2f}" for q in rounds)
        + ")"
    )
    if fit:
        out("")
        out("| dataset | method | fit seconds | epochs | test accuracy |")
        out("|---|---|---|---|---|")
        for r in _fit_times(data, device, weights):
            if "error" in r:
                out(f"| {r['dataset']} | {r.get('method', '')} | {r['error']} | | |")
            else:
                out(
                    f"| {r['dataset']} | {r['method']} | {r['fit_seconds']:.1f} | "
                    f"{r.get('epochs', '')} | {r['accuracy']:.4f} |"
                )
    out(f"peak resident memory: {peak_rss_mb():.0f} MB")
    ratio = opt["train_samples_per_s"] / ref["train_samples_per_s"]
    out(f"train throughput ratio (optimized/reference): {ratio:.2f}")
    return ratio
