"""``tsreprog bench-speed``: training and inference throughput, fit times and peak memory.

Two paths of the same :class:`~tsreprog.model.ReprogrammedModel` are timed in one process:

- **reference**: ``logmel(placed + θ)``: the perturbed batch goes through the whole front end,
  and the backward pass runs through the STFT of every series;
- **optimized**: what ``ReprogramClassifier`` uses: the placed series' spectrum, computed once
  and cached (``ReprogrammedModel.placed_spectra``; the estimator does this when the training
  set's spectra fit in 512 MB), plus θ's spectrum once per step (linearity of the STFT), the
  power spectrum of their sum with a hand-written backward pass
  (``tsreprog.frontend._MelPowerOfSum``), and on CPU the mini-batch split over one worker
  thread per core, each with one intra-op thread (``tsreprog.training.ThreadedGrad``), instead
  of two intra-op threads fighting over each small op.

A training step is forward + backward to θ + an Adam step on a batch of 32 one-second 16 kHz
inputs; inference is a forward pass without gradient (batch 32 for the reference, the
estimator's prediction batch for the optimized path). The last line printed is
``train throughput ratio (optimized/reference): X.XX``.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from tsreprog._io import peak_rss_mb
from tsreprog.backbones import create_backbone
from tsreprog.mapping import ManyToOneMapping, assign_many_to_one
from tsreprog.model import ReprogrammedModel
from tsreprog.reprogram import InputReprogrammer
from tsreprog.training import ThreadedGrad, single_intraop_thread

__all__ = ["measure_throughput", "run_speed_benchmark"]


def _model(backbone: str, weights, device) -> ReprogrammedModel:
    bb = create_backbone(backbone, weights=weights, seed=0)
    rep = InputReprogrammer(bb.cfg.input_samples)
    return ReprogrammedModel(rep, bb, ManyToOneMapping(assign_many_to_one(36, 2))).to(device)


def _sync(device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def measure_throughput(
    optimized: bool,
    backbone: str = "attrnn",
    weights=None,
    batch_size: int = 32,
    steps: int = 20,
    warmup: int = 3,
    repeats: int = 3,
    device: str = "cpu",
    infer_batch: int | None = None,
) -> dict:
    """Samples per second of training steps and of inference for one path.

    Returns the median over ``repeats`` of ``steps`` timed steps after ``warmup`` steps.
    """
    dev = torch.device(device)
    threads = torch.get_num_threads() if dev.type == "cpu" and optimized else 1
    args = (optimized, backbone, weights, batch_size, steps, warmup, repeats, dev, infer_batch)
    if threads > 1:
        with single_intraop_thread():
            return _measure(*args, threads)
    return _measure(*args, 1)


def _measure(
    optimized, backbone, weights, batch_size, steps, warmup, repeats, dev, infer_batch, threads
) -> dict:
    from concurrent.futures import ThreadPoolExecutor

    fast = optimized
    torch.manual_seed(0)
    model = _model(backbone, weights, dev)
    window = model.reprogrammer.window
    x = torch.randn(batch_size, window, device=dev)
    y = torch.randint(0, 2, (batch_size,), device=dev)
    opt = torch.optim.Adam([model.reprogrammer.theta], lr=0.05)

    theta = model.reprogrammer.theta
    grad = ThreadedGrad([theta], threads)

    spec = model.placed_spectra(x) if optimized else None

    def part_loss(idx):
        out = model(x[idx], spec=spec[idx], fast=True)
        return torch.nn.functional.nll_loss(out, y[idx], reduction="sum")

    def step():
        opt.zero_grad(set_to_none=True)
        if optimized:
            grad(part_loss, torch.arange(batch_size))
        else:
            torch.nn.functional.nll_loss(model(x, fast=False), y).backward()
        opt.step()

    model.train()
    rates = []
    for _ in range(warmup):
        step()
    for _ in range(repeats):
        _sync(dev)
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        _sync(dev)
        rates.append(steps * batch_size / (time.perf_counter() - t0))
    model.eval()
    nb = infer_batch or batch_size
    xi = torch.randn(nb, window, device=dev)
    pool = ThreadPoolExecutor(threads) if threads > 1 else None

    def infer_once():
        if pool is None:
            ctx = torch.inference_mode if fast else torch.no_grad
            with ctx():
                model(xi, fast=fast)
            return

        def run(part):
            with torch.inference_mode():
                return model(part, fast=True)

        list(pool.map(run, xi.split(16)))

    infer = []
    for _ in range(warmup):
        infer_once()
    for _ in range(repeats):
        _sync(dev)
        t0 = time.perf_counter()
        n_inf = max(1, steps * batch_size // nb)
        for _ in range(n_inf):
            infer_once()
        _sync(dev)
        infer.append(n_inf * nb / (time.perf_counter() - t0))
    grad.close()
    if pool is not None:
        pool.shutdown()
    return {
        "train_samples_per_s": float(np.median(rates)),
        "infer_samples_per_s": float(np.median(infer)),
    }


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
            "method": "v2s",
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
    repeats: int = 3,
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
    ref = measure_throughput(False, weights=weights, steps=steps, repeats=repeats, device=device)
    opt = measure_throughput(
        True, weights=weights, steps=steps, repeats=repeats, device=device, infer_batch=256
    )
    out("| path | train samples/s | inference samples/s |")
    out("|---|---|---|")
    out(f"| reference | {ref['train_samples_per_s']:.1f} | {ref['infer_samples_per_s']:.1f} |")
    out(f"| optimized | {opt['train_samples_per_s']:.1f} | {opt['infer_samples_per_s']:.1f} |")
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
