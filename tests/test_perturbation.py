import numpy as np
import torch

from tsreprog.perturbation import InputReprogrammer


def test_mask_zeroes_theta_where_the_series_sits():
    rep = InputReprogrammer(10, mask=True)
    occ = torch.zeros(1, 10, dtype=torch.bool)
    occ[0, :4] = True
    pert = rep.perturbation(occ)
    assert not pert[0, :4].any() and pert[0, 4:].abs().min() > 0
    assert InputReprogrammer(10, mask=False).perturbation(occ)[0, :4].abs().min() > 0


def test_dropout_only_while_training():
    torch.manual_seed(0)
    rep = InputReprogrammer(1000, dropout=0.5)
    rep.train()
    assert (rep.perturbation() == 0).float().mean() > 0.3
    rep.eval()
    torch.testing.assert_close(rep.perturbation(), rep.theta.detach()[None])


def test_glorot_init_bound_and_gradient_reaches_theta():
    rep = InputReprogrammer(16000)
    assert rep.theta.abs().max() <= np.sqrt(6 / 16001)
    out = rep(torch.randn(2, 16000))
    out.sum().backward()
    torch.testing.assert_close(rep.theta.grad, torch.full((16000,), 2.0))
