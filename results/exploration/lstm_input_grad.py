"""Can an input-gradient-only BiLSTM beat PyTorch's oneDNN LSTM on this CPU? (issue 5)

The frozen backbone's two bidirectional LSTMs take about half of a training step, and their
backward pass also computes weight gradients that reprogramming does not need. This script
times forward + backward-to-the-input of the AttRNN's two BiLSTM layers (64 units, inputs 80
and 128, 125 steps, batch 8 as in one ``ThreadedGrad`` share, one thread) three ways:

- ``onednn``: ``nn.LSTM`` with frozen weights (what tsreprog uses);
- ``eager``: a ``torch.autograd.Function`` whose forward loops over time in Python, saving
  exactly what the input gradient needs (no weight gradients), both directions in one batched
  matmul per step;
- ``numba``: the same recurrences in ``@numba.njit(nogil=True)`` kernels (numba comes with
  librosa), input projections and the input gradient as batched torch matmuls.

It checks that outputs and input gradients agree with ``onednn`` (max abs difference), then
times the three in interleaved rounds and prints ms per forward + backward.

    python results/exploration/lstm_input_grad.py
"""

from __future__ import annotations

import math
import time

import numba
import numpy as np
import torch

torch.set_num_threads(1)


def _stack_weights(lstm: torch.nn.LSTM):
    w_ih = torch.stack([lstm.weight_ih_l0, lstm.weight_ih_l0_reverse])  # (2, 4H, I)
    w_hh = torch.stack([lstm.weight_hh_l0, lstm.weight_hh_l0_reverse])  # (2, 4H, H)
    b = torch.stack(
        [lstm.bias_ih_l0 + lstm.bias_hh_l0, lstm.bias_ih_l0_reverse + lstm.bias_hh_l0_reverse]
    ).unsqueeze(1)  # (2, 1, 4H)
    return w_ih, w_hh, b


def _input_projection(x, w_ih, b):
    """Both directions' input projections, time-major: (B, T, I) -> (2, T, B, 4H)."""
    B, T, I = x.shape
    xs = torch.stack([x, x.flip(1)]).transpose(1, 2).reshape(2, T * B, I)
    return torch.baddbmm(b, xs, w_ih.transpose(1, 2)).view(2, T, B, -1)


def _start(x, w_ih, w_hh, b):
    """Shapes, input projections and an empty (2, T, B, H) output buffer for a forward pass."""
    B, T, _ = x.shape
    H = w_hh.shape[-1]
    return B, T, H, _input_projection(x, w_ih, b), torch.empty(2, T, B, H)


def _join(hs):
    """(2, T, B, H) per-direction outputs -> (B, T, 2H) as nn.LSTM returns them."""
    return torch.cat([hs[0], hs[1].flip(0)], -1).transpose(0, 1)


def _split(dout):
    """(B, T, 2H) output gradient -> (2, T, B, H) in each direction's own time order."""
    B, T, H2 = dout.shape
    d = dout.transpose(0, 1).reshape(T, B, 2, H2 // 2)
    return torch.stack([d[:, :, 0], d[:, :, 1].flip(0)]).contiguous()


def _input_grad(dg, w_ih):
    """Pre-activation gate gradients (2, T, B, 4H) -> input gradient (B, T, I)."""
    _, T, B, G = dg.shape
    dx = torch.bmm(dg.reshape(2, T * B, G), w_ih).view(2, T, B, -1)
    return (dx[0] + dx[1].flip(0)).transpose(0, 1)


class EagerBiLSTM(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, w_ih, w_hh, b):
        B, T, H, gin, hs = _start(x, w_ih, w_hh, b)
        acts = torch.empty_like(gin)
        cs = torch.zeros(2, T + 1, B, H)
        h = torch.zeros(2, B, H)
        whh_t = w_hh.transpose(1, 2)
        for t in range(T):
            g = torch.baddbmm(gin[:, t], h, whh_t)
            a = acts[:, t]
            torch.sigmoid(g, out=a)
            torch.tanh(g[..., 2 * H : 3 * H], out=a[..., 2 * H : 3 * H])
            c = cs[:, t + 1]
            torch.mul(a[..., H : 2 * H], cs[:, t], out=c)
            c.addcmul_(a[..., :H], a[..., 2 * H : 3 * H])
            h = hs[:, t]
            torch.mul(a[..., 3 * H :], torch.tanh(c), out=h)
        i, f, gg, o = acts.split(H, -1)
        tc = torch.tanh(cs[:, 1:])
        k = o * (1 - tc * tc)  # dc/dh through the output
        p = torch.cat([gg * i * (1 - i), cs[:, :-1] * f * (1 - f), i * (1 - gg * gg)], -1)
        q = tc * o * (1 - o)
        ctx.save_for_backward(k, p, q, f.contiguous(), w_ih, w_hh)
        return _join(hs)

    @staticmethod
    def backward(ctx, dout):
        k, p, q, f, w_ih, w_hh = ctx.saved_tensors
        _, T, B, H = k.shape
        dh_seq = _split(dout)
        dg = torch.empty(2, T, B, 4 * H)
        dh_next = torch.zeros(2, B, H)
        dc = torch.zeros(2, B, H)
        for t in range(T - 1, -1, -1):
            dh = dh_seq[:, t] + dh_next
            dc = torch.addcmul(dc, dh, k[:, t])
            d = dg[:, t]
            torch.mul(
                p[:, t].view(2, B, 3, H), dc.unsqueeze(2), out=d[..., : 3 * H].view(2, B, 3, H)
            )
            torch.mul(dh, q[:, t], out=d[..., 3 * H :])
            dh_next = torch.bmm(d, w_hh)
            dc = dc * f[:, t]
        return _input_grad(dg, w_ih), None, None, None


@numba.njit(nogil=True, cache=True)
def _nb_forward(gin, whh_t, hs, sv):
    # gin (2,T,B,4H), whh_t (2,H,4H); out: hs (2,T,B,H), sv (2,T,B,6H) = k, p_i, p_f, p_g, q, f
    D, T, B, G = gin.shape
    H = G // 4
    for d in range(D):
        h = np.zeros((B, H), np.float32)
        c = np.zeros((B, H), np.float32)
        for t in range(T):
            g = np.dot(h, whh_t[d])
            gi = gin[d, t]
            s = sv[d, t]
            for b in range(B):
                for j in range(H):
                    i_ = 1.0 / (1.0 + math.exp(-(g[b, j] + gi[b, j])))
                    f_ = 1.0 / (1.0 + math.exp(-(g[b, H + j] + gi[b, H + j])))
                    gg = math.tanh(g[b, 2 * H + j] + gi[b, 2 * H + j])
                    o_ = 1.0 / (1.0 + math.exp(-(g[b, 3 * H + j] + gi[b, 3 * H + j])))
                    cp = c[b, j]
                    cn = f_ * cp + i_ * gg
                    tc = math.tanh(cn)
                    c[b, j] = cn
                    h[b, j] = o_ * tc
                    hs[d, t, b, j] = o_ * tc
                    s[b, j] = o_ * (1.0 - tc * tc)
                    s[b, H + j] = gg * i_ * (1.0 - i_)
                    s[b, 2 * H + j] = cp * f_ * (1.0 - f_)
                    s[b, 3 * H + j] = i_ * (1.0 - gg * gg)
                    s[b, 4 * H + j] = tc * o_ * (1.0 - o_)
                    s[b, 5 * H + j] = f_


@numba.njit(nogil=True, cache=True)
def _nb_backward(dh_seq, sv, whh, dg):
    # dh_seq (2,T,B,H), sv (2,T,B,6H), whh (2,4H,H); out: dg (2,T,B,4H)
    D, T, B, H = dh_seq.shape
    for d in range(D):
        dh_next = np.zeros((B, H), np.float32)
        dc = np.zeros((B, H), np.float32)
        for t in range(T - 1, -1, -1):
            s = sv[d, t]
            out = dg[d, t]
            for b in range(B):
                for j in range(H):
                    dh = dh_seq[d, t, b, j] + dh_next[b, j]
                    c_ = dc[b, j] + dh * s[b, j]
                    out[b, j] = c_ * s[b, H + j]
                    out[b, H + j] = c_ * s[b, 2 * H + j]
                    out[b, 2 * H + j] = c_ * s[b, 3 * H + j]
                    out[b, 3 * H + j] = dh * s[b, 4 * H + j]
                    dc[b, j] = c_ * s[b, 5 * H + j]
            dh_next = np.dot(out, whh[d])


class NumbaBiLSTM(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, w_ih, w_hh, b):
        B, T, H, gin, hs = _start(x, w_ih, w_hh, b)
        sv = torch.empty(2, T, B, 6 * H)
        _nb_forward(gin.numpy(), w_hh.transpose(1, 2).contiguous().numpy(), hs.numpy(), sv.numpy())
        ctx.save_for_backward(sv, w_ih, w_hh)
        return _join(hs)

    @staticmethod
    def backward(ctx, dout):
        sv, w_ih, w_hh = ctx.saved_tensors
        _, T, B, H6 = sv.shape
        dg = torch.empty(2, T, B, 4 * H6 // 6)
        _nb_backward(_split(dout).numpy(), sv.numpy(), w_hh.contiguous().numpy(), dg.numpy())
        return _input_grad(dg, w_ih), None, None, None


def main() -> None:
    torch.manual_seed(0)
    B, T = 8, 125
    l1 = torch.nn.LSTM(80, 64, batch_first=True, bidirectional=True).requires_grad_(False)
    l2 = torch.nn.LSTM(128, 64, batch_first=True, bidirectional=True).requires_grad_(False)
    w1, w2 = _stack_weights(l1), _stack_weights(l2)
    x0 = torch.randn(B, T, 80)
    probe = torch.randn(B, T, 128)
    ways = {
        "onednn": lambda x: l2(l1(x)[0])[0],
        "eager": lambda x: EagerBiLSTM.apply(EagerBiLSTM.apply(x, *w1), *w2),
        "numba": lambda x: NumbaBiLSTM.apply(NumbaBiLSTM.apply(x, *w1), *w2),
    }

    def run(fn):
        x = x0.clone().requires_grad_(True)
        y = fn(x)
        (g,) = torch.autograd.grad((y * probe).sum(), x)
        return y.detach(), g

    y_ref, g_ref = run(ways["onednn"])
    for name, fn in ways.items():
        y, g = run(fn)  # also compiles the numba kernels (cached on disk)
        print(
            f"{name}: max |output diff| {float((y - y_ref).abs().max()):.1e}, "
            f"max |input-grad diff| {float((g - g_ref).abs().max()):.1e}"
        )
    total = dict.fromkeys(ways, 0.0)
    rounds, reps = 6, 5
    for _ in range(rounds):
        for name, fn in ways.items():
            t0 = time.perf_counter()
            for _ in range(reps):
                run(fn)
            total[name] += time.perf_counter() - t0
    for name in ways:
        print(f"{name}: {1000 * total[name] / (rounds * reps):.1f} ms per forward + backward")


if __name__ == "__main__":
    main()
