"""Native (C) kernels for a frozen AttRNN, built on first use; PyTorch's kernels otherwise.

Why: reprogramming needs the gradient with respect to the backbone's *input* only, but
PyTorch's CPU LSTM and convolution backward passes also compute the weight gradients, and
their per-time-step overheads dominate a training step at the AttRNN's small sizes (batch
shares of 8-16, 64 units, 125 steps). ``_native.c`` holds the LSTM recurrences (forward, and
backward to the gates) and the two-convolution block (forward, and backward to the input); the
large matrix products (input projections, input gradients) stay with PyTorch's BLAS.

The library is compiled once per machine with the C compiler (``$CC`` or ``cc``:
``-O3 -march=native -ffast-math``) into ``$TSREPROG_CACHE`` (default ``~/.cache/tsreprog``),
keyed by the source, the flags and the CPU's feature flags, and written atomically. When no
compiler is found or the build fails, :func:`library` warns once and returns ``None``, and the
AttRNN runs on PyTorch's kernels (same results within float rounding, slower). Set
``TSREPROG_NATIVE=0`` to turn the native kernels off.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
import threading
import warnings
from pathlib import Path

import torch
from torch import Tensor

__all__ = ["NativeBiLSTM", "NativeConvBlock", "library", "native_enabled"]

_SRC = Path(__file__).with_name("_native.c")
_FLAGS = ["-O3", "-march=native", "-ffast-math", "-fPIC", "-shared"]
_LOCK = threading.Lock()
_LIB: ctypes.CDLL | None = None
_TRIED = False


def native_enabled() -> bool:
    """Whether the environment allows the native kernels (``TSREPROG_NATIVE`` is not ``0``)."""
    return os.environ.get("TSREPROG_NATIVE", "1").strip().lower() not in ("0", "false", "no")


def _cpu_flags() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("flags", "Features")):
                return line
    except OSError:
        pass
    return platform.processor()


def _cache_dir() -> Path:
    root = os.environ.get("TSREPROG_CACHE") or Path.home() / ".cache" / "tsreprog"
    return Path(root) / "native"


def _build(cc: str) -> Path:
    key = hashlib.sha256(
        b"|".join(
            [_SRC.read_bytes(), " ".join([cc, *_FLAGS]).encode(), _cpu_flags().encode(),
             platform.machine().encode()]
        )
    ).hexdigest()[:16]
    out = _cache_dir() / f"tsreprog_native_{key}.so"
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".so", dir=out.parent)
    os.close(fd)
    try:
        proc = subprocess.run(
            [cc, *_FLAGS, str(_SRC), "-o", tmp, "-lm"], capture_output=True, text=True, timeout=120
        )
        if proc.returncode != 0:
            raise RuntimeError(f"{cc} failed: {proc.stderr.strip()[-2000:]}")
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out


def _declare(lib: ctypes.CDLL) -> ctypes.CDLL:
    i, p, f = ctypes.c_int, ctypes.c_void_p, ctypes.c_float
    lib.lstm_forward.argtypes = [i, i, i, i, p, i, p, p, p, p, p]
    lib.lstm_backward.argtypes = [i, i, i, i, p, p, p, p, p, i, p]
    lib.conv_forward.argtypes = [i, i, i, i, p, p, p, p, p, p, f, f, f, p, p, p, p]
    lib.conv_backward.argtypes = [i, i, i, i, p, p, p, p, f, p, p, p, p]
    for fn in (lib.lstm_forward, lib.lstm_backward, lib.conv_forward, lib.conv_backward):
        fn.restype = None
    return lib


def library() -> ctypes.CDLL | None:
    """The compiled kernels (built and cached on first call), or ``None`` where unavailable."""
    global _LIB, _TRIED
    if not native_enabled():
        return None
    if _TRIED:
        return _LIB
    with _LOCK:
        if not _TRIED:
            cc = os.environ.get("CC") or "cc"
            try:
                if shutil.which(cc) is None:
                    raise RuntimeError(f"no C compiler {cc!r} on PATH (set CC or install gcc)")
                _LIB = _declare(ctypes.CDLL(str(_build(cc))))
            except Exception as exc:  # noqa: BLE001 - any failure means: use PyTorch's kernels
                warnings.warn(
                    f"tsreprog's native kernels are unavailable ({exc}); the AttRNN runs on "
                    "PyTorch's kernels instead (same results, slower training)",
                    RuntimeWarning,
                    stacklevel=2,
                )
                _LIB = None
            _TRIED = True
    return _LIB


def _lib() -> ctypes.CDLL:
    lib = library()
    if lib is None:
        raise RuntimeError(
            "tsreprog's native kernels are not available here; use PyTorch's kernels "
            "(AttRNN.native = False) or install a C compiler"
        )
    return lib


def _ptr(t: Tensor) -> int:
    return t.data_ptr()


class NativeBiLSTM(torch.autograd.Function):
    """A frozen bidirectional single-layer LSTM (``batch_first``), gradient to the input only.

    ``apply(x (B, T, I), w) -> (B, T, 2H)`` where ``w`` is :func:`lstm_weights`' tuple.
    """

    @staticmethod
    def forward(ctx, x: Tensor, w: tuple) -> Tensor:
        lib = _lib()
        w_ih, bias, whh_t, whh, hidden = w
        B, T, _ = x.shape
        H, G = hidden, 4 * hidden
        x = x.contiguous()
        # both directions' input projections in one matrix product: (B*T, I) @ (I, 8H)
        xp = torch.addmm(bias, x.reshape(B * T, -1), w_ih.t()).reshape(B, T, 2, G)
        out = torch.empty(B, T, 2 * H)
        act = torch.empty(2, T, B, G)
        cell = torch.empty(2, T, B, H)
        scratch = torch.empty(B * (G + 2 * H))
        for d in range(2):
            lib.lstm_forward(
                B, T, H, d, _ptr(xp[:, :, d]), 2 * G, _ptr(whh_t[d]), _ptr(out), _ptr(act[d]),
                _ptr(cell[d]), _ptr(scratch),
            )
        ctx.save_for_backward(act, cell)
        ctx.w = w
        return out

    @staticmethod
    def backward(ctx, dout: Tensor):
        lib = _lib()
        act, cell = ctx.saved_tensors
        w_ih, _, _, whh, hidden = ctx.w
        _, T, B, G = act.shape
        dout = dout.contiguous()
        dgates = torch.empty(B, T, 2, G)
        scratch = torch.empty(B * (G + 2 * hidden))
        for d in range(2):
            lib.lstm_backward(
                B, T, hidden, d, _ptr(dout), _ptr(whh[d]), _ptr(act[d]), _ptr(cell[d]),
                _ptr(dgates[:, :, d]), 2 * G, _ptr(scratch),
            )
        dx = torch.mm(dgates.reshape(B * T, 2 * G), w_ih).reshape(B, T, -1)
        return dx, None


def lstm_weights(lstm: torch.nn.LSTM) -> tuple:
    """``(W_ih (8H, I), bias (8H), W_hh^T (2, H, 4H), W_hh (2, 4H, H), H)`` of a 1-layer BiLSTM."""
    sfx = ["_l0", "_l0_reverse"]
    g = lambda name: [getattr(lstm, name + s).detach() for s in sfx]  # noqa: E731
    w_ih = torch.cat(g("weight_ih")).contiguous()
    bias = torch.cat([a + b for a, b in zip(g("bias_ih"), g("bias_hh"))]).contiguous()
    whh = torch.stack(g("weight_hh")).contiguous()
    return w_ih, bias, whh.transpose(1, 2).contiguous(), whh, lstm.hidden_size


class NativeConvBlock(torch.autograd.Function):
    """conv1 -> ReLU -> BN1 -> conv2 -> ReLU -> BN2 of the AttRNN (eval-mode batch-norms),
    frozen, gradient to the input only. ``apply(x (B, T, F), w) -> (B, T, F)``."""

    @staticmethod
    def forward(ctx, x: Tensor, w: tuple) -> Tensor:
        lib = _lib()
        w1, b1, s1, h1, w2, b2, s2, h2 = w
        x = x.contiguous()
        B, T, F = x.shape
        C = w1.shape[0]
        pre1 = torch.empty(B, C, T, F)
        pre2 = torch.empty(B, T, F)
        out = torch.empty(B, T, F)
        scratch = torch.empty((C + 1) * (T + 4) * F)
        lib.conv_forward(
            B, T, F, C, _ptr(x), _ptr(w1), _ptr(b1), _ptr(s1), _ptr(h1), _ptr(w2), b2, s2, h2,
            _ptr(pre1), _ptr(pre2), _ptr(out), _ptr(scratch),
        )
        ctx.save_for_backward(pre1, pre2)
        ctx.w = w
        return out

    @staticmethod
    def backward(ctx, dout: Tensor):
        lib = _lib()
        pre1, pre2 = ctx.saved_tensors
        w1, _, s1, _, w2, _, s2, _ = ctx.w
        B, C, T, F = pre1.shape
        dout = dout.contiguous()
        dx = torch.empty(B, T, F)
        scratch = torch.empty((C + 1) * (T + 4) * F)
        lib.conv_backward(
            B, T, F, C, _ptr(dout), _ptr(w1), _ptr(s1), _ptr(w2), s2, _ptr(pre1), _ptr(pre2),
            _ptr(dx), _ptr(scratch),
        )
        return dx, None


def _bn_affine(bn: torch.nn.BatchNorm2d) -> tuple[Tensor, Tensor]:
    scale = bn.weight.detach() / torch.sqrt(bn.running_var + bn.eps)
    return scale, bn.bias.detach() - bn.running_mean * scale


def conv_weights(conv1, bn1, conv2, bn2) -> tuple:
    """The conv block's frozen weights in :class:`NativeConvBlock`'s order."""
    s1, h1 = _bn_affine(bn1)
    s2, h2 = _bn_affine(bn2)
    return (
        conv1.weight.detach().reshape(conv1.out_channels, 5).contiguous(),
        conv1.bias.detach().contiguous(),
        s1.contiguous(),
        h1.contiguous(),
        conv2.weight.detach().reshape(conv2.in_channels, 5).contiguous(),
        float(conv2.bias), float(s2), float(h2),
    )
