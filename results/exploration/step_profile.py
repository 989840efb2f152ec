"""Milliseconds per optimized training step on one thread (a share of 8 series), with the
native kernels or PyTorch's, and the top operators of torch's profiler.

Usage::

    python results/exploration/step_profile.py               # native kernels where built
    TSREPROG_NATIVE=0 python results/exploration/step_profile.py   # PyTorch's kernels

The step is the one ``tsreprog bench-speed`` times for one worker thread: the fast path with
cached spectra, forward + backward to θ + an Adam step.
"""

import time

import torch
from torch.profiler import ProfilerActivity, profile

from tsreprog import kernels
from tsreprog.speed import benchmark_model

torch.set_num_threads(1)
torch.manual_seed(0)
model = benchmark_model("attrnn", None, torch.device("cpu"))
model.train()
batch = 8
x = torch.randn(batch, 16000)
y = torch.randint(0, 2, (batch,))
spec = model.placed_spectra(x)
opt = torch.optim.Adam([model.reprogrammer.theta], lr=0.05)


def step() -> None:
    opt.zero_grad()
    out = model(x, spec=spec, fast=True)
    torch.nn.functional.nll_loss(out, y, reduction="sum").backward()
    opt.step()


for _ in range(5):
    step()
times = []
for _ in range(5):
    t0 = time.perf_counter()
    for _ in range(10):
        step()
    times.append((time.perf_counter() - t0) / 10 * 1e3)
times.sort()
print(f"native kernels: {kernels.library() is not None}")
print(
    f"ms per step (one thread, batch {batch}): median {times[2]:.1f}",
    f"of {[round(t, 1) for t in times]}",
)
with profile(activities=[ProfilerActivity.CPU]) as prof:
    for _ in range(10):
        step()
print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=12))
