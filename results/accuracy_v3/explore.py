"""Quick probe of new input spaces and heads for issue 16 (development datasets only).

Each variant trains θ (in the waveform or directly in the backbone's log-mel feature space)
and a linear head, with the estimator's loop (``tsreprog.training.train_loop``: Adam 0.05,
60 epochs, batch 32, selection on training loss, loss floor 0.01). The test split is used
once per cell, for the printed accuracy. One JSON line per (dataset, variant, seed).

    python results/accuracy_v3/explore.py OUT.jsonl VARIANTS DATASETS [SEEDS]

VARIANTS: comma-separated names of ``VARIANTS`` below.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from tsreprog import inputs
from tsreprog.backbones import create_backbone
from tsreprog.data.ucr import load_dataset
from tsreprog.placements import get_placement, resample_series
from tsreprog.training import train_loop

N_MELS, FRAMES, WINDOW = 80, 125, 16000


def standardise(x):  # per sample over (mels, frames), as the front end's last step
    m = x.mean(dim=(1, 2), keepdim=True)
    s = x.std(dim=(1, 2), keepdim=True, unbiased=False)
    return (x - m) / (s + 1e-5)


# ---------------------------------------------------------------- feature-space images
def img_curve(z):
    u = resample_series(z, FRAMES)
    return np.repeat(u[None, :], N_MELS, axis=0)


def img_line(z, width=1.5, gain=13.0):
    u = resample_series(z, FRAMES)
    pos = np.clip(40 + gain * u, 0, N_MELS - 1)
    m = np.arange(N_MELS)[:, None]
    return np.exp(-((m - pos[None, :]) ** 2) / (2 * width**2))


def img_raster(z):
    """Every sample kept: frame t holds samples [t*k, (t+1)*k) in k groups of mel bins."""
    k = max(1, -(-len(z) // FRAMES))
    k = min(k, N_MELS)
    u = resample_series(z, FRAMES * k)
    rows = u.reshape(FRAMES, k).T  # (k, FRAMES)
    reps = N_MELS // k
    img = np.repeat(rows, reps, axis=0)
    if len(img) < N_MELS:
        img = np.concatenate([img, np.repeat(img[-1:], N_MELS - len(img), axis=0)])
    return img


def img_bands(z):
    """Four 20-bin bands: the series, its first difference, its running mean, its magnitude."""
    u = resample_series(z, FRAMES)
    d = np.diff(u, prepend=u[0])
    d = d / (d.std() + 1e-8)
    c = np.convolve(u, np.ones(9) / 9, mode="same")
    parts = [u, d, c, np.abs(u)]
    return np.concatenate([np.repeat(p[None, :], 20, axis=0) for p in parts])


class Segments:
    """K overlapping chunks of the series, each tiled over its own 1/K of the window: the
    spectrogram then shows each chunk's timbre, in the series' order (a short-time view)."""

    def __init__(self, k):
        self.k = k

    def place(self, series, window, sr):
        k = self.k
        seg = window // k
        out = np.zeros((len(series), window), np.float32)
        for i, x in enumerate(series):
            L = len(x)
            clen = max(2, int(round(2 * L / (k + 1))))  # 50 % overlap
            starts = np.linspace(0, L - clen, k).round().astype(int) if L > clen else [0] * k
            for j, s0 in enumerate(starts):
                c = x[s0 : s0 + clen]
                reps = -(-seg // len(c))
                out[i, j * seg : (j + 1) * seg] = np.tile(c, reps)[:seg]
        return out, None


PLACEMENTS = {"seg4": Segments(4), "seg8": Segments(8), "seg2": Segments(2)}


IMAGES = {"curve": img_curve, "line": img_line, "raster": img_raster, "bands": img_bands}


class View(nn.Module):
    """One input view: precomputed per-series input + a trainable θ -> log-mel features."""

    def __init__(self, kind, backbone, gen):
        super().__init__()
        self.kind = kind
        self.fe = backbone.frontend
        if kind.startswith("wave:"):
            lim = (6 / (WINDOW + 1)) ** 0.5
            self.theta = nn.Parameter((torch.rand(WINDOW, generator=gen) * 2 - 1) * lim)
        else:
            self.theta = nn.Parameter(torch.randn(N_MELS, FRAMES, generator=gen) * 0.01)

    def prepare(self, series):
        if self.kind.startswith("wave:"):
            name = self.kind[5:]
            pl = PLACEMENTS[name] if name in PLACEMENTS else get_placement(name)
            placed, _ = pl.place(series, WINDOW, 16000)
            placed = torch.from_numpy(placed)
            with torch.no_grad():
                return self.fe.stft(placed).contiguous()
        f = IMAGES[self.kind[5:]]
        return torch.from_numpy(np.stack([f(s) for s in series]).astype(np.float32))

    def forward(self, pre):
        if self.kind.startswith("wave:"):
            return self.fe.from_stft(pre, delta=self.fe.stft(self.theta))
        return standardise(standardise(pre) + self.theta)


def network_features(net, logmel):
    """AttRNN forward returning (logits, pooled features (batch, 128 + 256))."""
    from tsreprog import kernels

    if net._use_native(logmel):
        w_conv, w_l1, w_l2 = net._native_weights()
        x = kernels.NativeConvBlock.apply(logmel.transpose(1, 2), w_conv)
        h1 = kernels.NativeBiLSTM.apply(x, w_l1)
        h = kernels.NativeBiLSTM.apply(h1, w_l2)
    else:
        x = logmel.transpose(1, 2).unsqueeze(1)
        x = net.bn1(torch.relu(net.conv1(x)))
        x = net.bn2(torch.relu(net.conv2(x)))
        h1, _ = net.lstm1(x.squeeze(1))
        h, _ = net.lstm2(h1)
    q = net.query(h[:, -1])
    scores = torch.softmax(torch.bmm(h, q.unsqueeze(-1)).squeeze(-1), dim=-1)
    context = torch.bmm(scores.unsqueeze(1), h).squeeze(1)
    logits = net.out(net.fc2(torch.relu(net.fc1(context))))
    return {
        "logits": logits,
        "ctx": context,
        "meanmax": torch.cat([h.mean(1), h.amax(1)], 1),
        "pooled": torch.cat([context, h.mean(1), h.amax(1)], dim=1),
        "pooled2": torch.cat([context, h.mean(1), h.amax(1), h1.mean(1), h1.amax(1)], dim=1),
        "both": torch.cat([logits, context, h.mean(1), h.amax(1)], dim=1),
    }


class Joint(nn.Module):
    def __init__(self, views, backbone, n_classes, head, gen):
        super().__init__()
        self.views = nn.ModuleList(views)
        self.net = backbone.network
        self.head_kind = head
        self.no_theta = head.endswith("-notheta")
        self.wd = 1e-2 if "-wd" in head else 0.0
        self.head_lr = 0.005 if "-hlr" in head else 0.05
        self.smoothing = 0.1 if "-ls" in head else 0.0
        self.floor = None if "-nofloor" in head else 0.01
        self.ridge = "-ridge" in head
        for suffix in ("-notheta", "-wd", "-hlr", "-ls", "-nofloor", "-ridge"):
            head = head.replace(suffix, "")
        self.head_kind = head
        d = {"logits": 36, "ctx": 128, "meanmax": 256, "pooled": 384, "pooled2": 640, "both": 420}[
            head
        ]
        self.head = nn.Linear(d * len(views), n_classes)
        lim = 1 / (d * len(views)) ** 0.5
        with torch.no_grad():
            self.head.weight.copy_(
                (torch.rand(self.head.weight.shape, generator=gen) * 2 - 1) * lim
            )
            self.head.bias.zero_()

    def train(self, mode=True):
        super().train(mode)
        self.net.eval()
        return self

    def features(self, pres):
        outs = []
        for v, p in zip(self.views, pres):
            outs.append(network_features(self.net, v(p))[self.head_kind])
        return torch.cat(outs, 1)

    def forward(self, pres):
        return torch.log_softmax(self.head(self.features(pres)), dim=1)


def run(dataset, variant, seed, data="../shared/ucr"):
    Xtr, ytr, Xte, yte = load_dataset(dataset, data)
    classes, y_tr = np.unique(ytr, return_inverse=True)
    y_te = np.searchsorted(classes, yte)
    tr = list(Xtr) if not isinstance(Xtr, list) else Xtr
    te = list(Xte) if not isinstance(Xte, list) else Xte
    mean, std = inputs.mean_std(np.concatenate(tr))
    tr = [(s - mean) / std for s in tr]
    te = [(s - mean) / std for s in te]
    kinds, head = variant.split("/")
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    bb = create_backbone("attrnn").freeze()
    views = [View(k, bb, gen) for k in kinds.split("+")]
    model = Joint(views, bb, len(classes), head, gen)
    if model.no_theta:
        for v in views:
            with torch.no_grad():
                v.theta.zero_()
            v.theta.requires_grad_(False)
    t0 = time.perf_counter()
    pre_tr = [v.prepare(tr) for v in views]
    ytr_t = torch.from_numpy(y_tr).long()
    opt = torch.optim.Adam(
        [
            {"params": [v.theta for v in views if v.theta.requires_grad]},
            {
                "params": list(model.head.parameters()),
                "weight_decay": model.wd,
                "lr": model.head_lr,
            },
        ],
        lr=0.05,
    )

    def step(idx):
        lp = model([p[idx] for p in pre_tr])
        if model.smoothing:
            return (1 - model.smoothing) * nn.functional.nll_loss(lp, ytr_t[idx]) - (
                model.smoothing * lp.mean(1).mean()
            )
        return nn.functional.nll_loss(lp, ytr_t[idx])

    res = train_loop(
        model,
        step,
        len(tr),
        opt,
        epochs=60,
        batch_size=32,
        generator=torch.Generator().manual_seed(seed + 1),
        patience=None if model.floor is None else 20,
        loss_floor=model.floor,
    )
    fit_s = time.perf_counter() - t0
    model.eval()
    pre_te = [v.prepare(te) for v in views]
    with torch.no_grad():
        pred = torch.cat(
            [model([p[i : i + 64] for p in pre_te]).argmax(1) for i in range(0, len(te), 64)]
        ).numpy()
        if model.ridge:  # refit the head in closed form on the trained θ's features
            from sklearn.linear_model import RidgeClassifierCV
            from sklearn.pipeline import make_pipeline
            from sklearn.preprocessing import StandardScaler

            def feats(pre, n):
                return torch.cat(
                    [model.features([p[i : i + 64] for p in pre]) for i in range(0, n, 64)]
                ).numpy()

            ridge = make_pipeline(StandardScaler(), RidgeClassifierCV(np.logspace(-3, 3, 10)))
            ridge.fit(feats(pre_tr, len(tr)), y_tr)
            pred = ridge.predict(feats(pre_te, len(te)))
    return {
        "dataset": dataset,
        "variant": variant,
        "seed": seed,
        "acc": float((pred == y_te).mean()),
        "fit_s": round(fit_s, 1),
        "epochs": len(res.history["epoch"]),
        "final_loss": res.history["train_loss"][-1],
    }


if __name__ == "__main__":
    torch.set_num_threads(1)
    out = Path(sys.argv[1])
    variants = sys.argv[2].split(",")
    datasets = sys.argv[3].split(",")
    seeds = range(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    done = set()
    if out.exists():
        for line in out.read_text().splitlines():
            r = json.loads(line)
            done.add((r["dataset"], r["variant"], r["seed"]))
    for seed in seeds:
        for ds in datasets:
            for v in variants:
                if (ds, v, seed) in done:
                    continue
                r = run(ds, v, seed)
                print(json.dumps(r), flush=True)
                with out.open("a") as fh:
                    fh.write(json.dumps(r) + "\n")
