"""A/B: frozen AttRNN forward + backward to the input with and without oneDNN (issue 5).

    python results/exploration/mkldnn_ab.py

Without oneDNN the LSTM runs as separate ops whose weight-gradient branches autograd skips
for frozen weights; this measures whether that pays (one thread, batch 8, interleaved).
"""

import time

import torch

from tsreprog.backbones import create_backbone

torch.set_num_threads(1)
model = create_backbone("attrnn", weights="default").eval()
for p in model.parameters():
    p.requires_grad_(False)
x0 = torch.randn(8, 16000)


def step() -> torch.Tensor:
    x = x0.clone().requires_grad_(True)
    model(x).sum().backward()
    return x.grad


ref = step()
with torch.backends.mkldnn.flags(enabled=False):
    other = step()
print("max grad diff", (ref - other).abs().max().item(), ref.abs().max().item())
for _ in range(3):
    for flag in (True, False):
        with torch.backends.mkldnn.flags(enabled=flag):
            step()
            t = time.perf_counter()
            for _ in range(5):
                step()
            print("mkldnn", flag, f"{(time.perf_counter() - t) / 5 * 1000:.1f} ms/step(8)")
