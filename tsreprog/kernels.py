"""Native (C) kernels for a frozen AttRNN, built on first use; PyTorch's kernels otherwise.

Why: reprogramming needs the gradient with respect to the backbone's *input* only, but
PyTorch's CPU LSTM and convolution backward passes also compute the weight gradients, and
their per-time-step overheads dominate a training step at the AttRNN's small sizes (batch
shares of 8-16, 64 units, 125 steps). ``kernels.c`` holds the LSTM recurrences (forward, and
backward to the gates) and the two-convolution block (forward, and backward to the input); the
large matrix products (input projections, input gradients) stay with PyTorch's BLAS.

The library is compiled once per machine with the C compiler (``$CC`` or ``cc``:
``-O3 -march=native -ffast-math``) into ``$TSREPROG_CACHE`` (default ``~/.cache/tsreprog``),
keyed by the source, the flags and the CPU's feature flags, and written atomically (to a
per-user temporary folder where the cache folder cannot be written). When no
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

__all__ = [
    "NativeBiLSTM",
    "NativeConvBlock",
    "library",
    "mel_power",
    "native_enabled",
    "set_native",
]

_SRC = Path(__file__).with_name("kernels.c")
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
            [
                _SRC.read_bytes(),
                " ".join([cc, *_FLAGS]).encode(),
                _cpu_flags().encode(),
                platform.machine().encode(),
            ]
        )
    ).hexdigest()[:16]
    name = f"tsreprog_native_{key}.so"
    out = _cache_dir() / name
    if out.exists():
        return out
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if not os.access(out.parent, os.W_OK):
            raise PermissionError(f"{out.parent} is not writable")
    except OSError:  # no writable cache (read-only home, say): a per-user temporary folder
        tmp_root = Path(tempfile.gettempdir()) / f"tsreprog-native-{os.getuid()}"
        tmp_root.mkdir(parents=True, exist_ok=True)
        out = tmp_root / name
        if out.exists():
            return out
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


_I, _P, _F = ctypes.c_int, ctypes.c_void_p, ctypes.c_float
#: argument types of the kernels in ``kernels.c`` (all return void)
_SIGNATURES = {
    "lstm_forward": [_I, _I, _I, _I, _P, _I, _P, _P, _P, _P, _P],
    "lstm_backward": [_I, _I, _I, _I, _P, _P, _P, _P, _P, _I, _P],
    "conv_forward": [_I, _I, _I, _I, _P, _P, _P, _P, _P, _P, _F, _F, _F, _P, _P, _P, _P],
    "conv_backward": [_I, _I, _I, _I, _P, _P, _P, _P, _F, _P, _P, _P, _P],
    "mel_power_forward": [_I, _I, _I, _I, _P, _P, _P, _P, _P, _P, _P],
    "mel_power_backward": [_I, _I, _I, _I, _P, _P, _P, _P, _P, _P, _P, _P],
}


def _declare(lib: ctypes.CDLL) -> ctypes.CDLL:
    for name, argtypes in _SIGNATURES.items():
        fn = getattr(lib, name)
        fn.argtypes = argtypes
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


def set_native(module: torch.nn.Module, enabled: bool) -> torch.nn.Module:
    """Allow (``True``, the default) or forbid the native kernels in every submodule that has
    them (the AttRNN network, the log-mel front end); returns ``module``."""
    for m in module.modules():
        if hasattr(m, "native"):
            m.native = bool(enabled)
    return module


def _call(kernel: str, *args) -> None:
    """Run ``kernel`` of the library; tensors are passed as pointers to their data.

    The tensors stay referenced by ``args`` for the whole call, so no buffer is freed while the
    C code writes to it.
    """
    lib = library()
    if lib is None:
        raise RuntimeError(
            "tsreprog's native kernels are not available here; use PyTorch's kernels "
            "(AttRNN.native = False) or install a C compiler"
        )
    getattr(lib, kernel)(*(a.data_ptr() if isinstance(a, Tensor) else a for a in args))


class NativeBiLSTM(torch.autograd.Function):
    """A frozen bidirectional single-layer LSTM (``batch_first``), gradient to the input only.

    ``apply(x (B, T, I), w) -> (B, T, 2H)`` where ``w`` is :func:`lstm_weights`' tuple.
    """

    @staticmethod
    def forward(ctx, x: Tensor, w: tuple) -> Tensor:
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
            _call(
                "lstm_forward",
                B,
                T,
                H,
                d,
                xp[:, :, d],
                2 * G,
                whh_t[d],
                out,
                act[d],
                cell[d],
                scratch,
            )
        ctx.save_for_backward(act, cell)
        ctx.w = w
        return out

    @staticmethod
    def backward(ctx, dout: Tensor):
        act, cell = ctx.saved_tensors
        w_ih, _, _, whh, hidden = ctx.w
        _, T, B, G = act.shape
        dout = dout.contiguous()
        dgates = torch.empty(B, T, 2, G)
        scratch = torch.empty(B * (G + 2 * hidden))
        for d in range(2):
            _call(
                "lstm_backward",
                B,
                T,
                hidden,
                d,
                dout,
                whh[d],
                act[d],
                cell[d],
                dgates[:, :, d],
                2 * G,
                scratch,
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
        w1, b1, s1, h1, w2, b2, s2, h2 = w
        x = x.contiguous()
        B, T, F = x.shape
        C = w1.shape[0]
        pre1 = torch.empty(B, C, T, F)
        pre2 = torch.empty(B, T, F)
        out = torch.empty(B, T, F)
        scratch = torch.empty((C + 1) * (T + 4) * F)
        _call(
            "conv_forward", B, T, F, C, x, w1, b1, s1, h1, w2, b2, s2, h2, pre1, pre2, out, scratch
        )
        ctx.save_for_backward(pre1, pre2)
        ctx.w = w
        return out

    @staticmethod
    def backward(ctx, dout: Tensor):
        pre1, pre2 = ctx.saved_tensors
        w1, _, s1, _, w2, _, s2, _ = ctx.w
        B, C, T, F = pre1.shape
        dout = dout.contiguous()
        dx = torch.empty(B, T, F)
        scratch = torch.empty((C + 1) * (T + 4) * F)
        _call("conv_backward", B, T, F, C, dout, w1, s1, w2, s2, pre1, pre2, dx, scratch)
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
        float(conv2.bias),
        float(s2),
        float(h2),
    )


_CSR_CACHE: dict = {}


def _fbank_csr(fbank: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """The filterbank ``(F, M)``'s non-zeros by row: ``(indptr (F + 1), idx, val)``."""
    key = (fbank.data_ptr(), fbank._version, tuple(fbank.shape))
    csr = _CSR_CACHE.get(key)
    if csr is None:
        nz = fbank != 0
        indptr = torch.zeros(fbank.shape[0] + 1, dtype=torch.int32)
        indptr[1:] = torch.cumsum(nz.sum(1), 0)
        rows, cols = nz.nonzero(as_tuple=True)
        csr = (indptr, cols.to(torch.int32).contiguous(), fbank[rows, cols].contiguous())
        if len(_CSR_CACHE) > 8:
            _CSR_CACHE.clear()
        _CSR_CACHE[key] = csr
    return csr


class NativeMelPower(torch.autograd.Function):
    """``|spec + delta|^2`` through a mel filterbank, gradient to a shared ``delta`` only.

    ``apply(spec (B, F, T) complex, delta (F, T) complex or None, fbank (F, M))
    -> (B, M, T)``; ``spec`` and ``fbank`` get no gradient.
    """

    @staticmethod
    def forward(ctx, spec: Tensor, delta: Tensor | None, fbank: Tensor) -> Tensor:
        B, F, T = spec.shape
        M = fbank.shape[1]
        indptr, idx, val = csr = _fbank_csr(fbank)
        s = torch.view_as_real(spec.contiguous())
        d = None if delta is None else torch.view_as_real(delta.contiguous())
        mel = torch.empty(B, M, T)
        scratch = torch.empty(T)
        _call("mel_power_forward", B, F, T, M, s, d, indptr, idx, val, mel, scratch)
        ctx.save_for_backward(s, d)
        ctx.csr = csr
        return mel

    @staticmethod
    def backward(ctx, dmel: Tensor):
        s, d = ctx.saved_tensors
        indptr, idx, val = ctx.csr
        B, F, T, _ = s.shape
        M = dmel.shape[1]
        dmel = dmel.contiguous()
        gd = torch.empty(F, T, 2)
        scratch = torch.empty(T)
        _call("mel_power_backward", B, F, T, M, s, d, indptr, idx, val, dmel, gd, scratch)
        return None, torch.view_as_complex(gd), None


def mel_power(spec: Tensor, delta: Tensor | None, fbank: Tensor) -> Tensor | None:
    """:class:`NativeMelPower` where it applies, else ``None`` (the caller uses PyTorch's ops).

    Applies on CPU, to a complex64 ``spec`` without gradient and a ``delta`` that is ``None``
    or one complex64 spectrum ``(F, T)`` / ``(1, F, T)`` shared by the batch.
    """
    if spec.device.type != "cpu" or spec.dtype != torch.complex64 or spec.requires_grad:
        return None
    if spec.dim() != 3 or fbank.dtype != torch.float32:
        return None
    if delta is not None:
        if delta.dtype != torch.complex64 or delta.shape[-2:] != spec.shape[-2:]:
            return None
        if delta.dim() == 3 and delta.shape[0] == 1:
            delta = delta[0]
        if delta.dim() != 2:
            return None
    if library() is None:
        return None
    return NativeMelPower.apply(spec, delta, fbank)
