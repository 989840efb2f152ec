import numpy as np
import pytest
import torch

from tsreprog.backbones import create_backbone
from tsreprog.mappings import ManyToOneMapping, assign_many_to_one
from tsreprog.model import ReprogrammedModel
from tsreprog.perturbation import InputReprogrammer
from tsreprog.placements import Repeat, place_series
from tsreprog.training import ThreadedGrad, train_loop


def _problem(n=40):
    g = torch.Generator().manual_seed(0)
    X = torch.randn(n, 3, generator=g)
    y = (X[:, 0] > 0).long()
    return X, y


def test_train_loop_restores_the_best_epoch_and_stops_early():
    X, y = _problem()
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    losses = iter([0.9, 0.5, 0.7, 0.8, 0.95, 0.99])
    snapshots = {}

    def evaluate():
        return next(losses), 0.5

    def on_epoch_end(epoch, best, res):
        snapshots[epoch] = model.weight.detach().clone()

    res = train_loop(
        model,
        lambda idx: torch.nn.functional.cross_entropy(model(X[idx]), y[idx]),
        len(X),
        opt,
        epochs=10,
        batch_size=8,
        generator=torch.Generator().manual_seed(0),
        evaluate=evaluate,
        patience=3,
        on_epoch_end=on_epoch_end,
    )
    assert res.best_epoch == 2 and res.stopped_early
    assert res.history["epoch"] == [1, 2, 3, 4, 5]
    torch.testing.assert_close(model.weight, snapshots[2])


def _scripted_fit(losses, **kw):
    """train_loop over one batch per epoch whose training loss is read from ``losses``."""
    model = torch.nn.Linear(3, 2)
    values = iter(losses)
    return train_loop(
        model,
        lambda idx: torch.tensor(next(values)),  # no grad: the "step" set nothing to update
        4,
        torch.optim.SGD(model.parameters(), lr=0.1),
        epochs=len(losses),
        batch_size=4,
        generator=torch.Generator().manual_seed(0),
        **kw,
    )


# a training loss that reaches ~0 and keeps shrinking by 30 % an epoch: every step is still
# worth more than tol=1e-4 long after the fit stopped changing (the cost issue's GunPoint)
NEAR_ZERO = [0.6 * 0.7**k for k in range(60)]


def test_loss_floor_stops_a_fit_whose_training_loss_reaches_zero():
    plain = _scripted_fit(NEAR_ZERO, patience=20)
    floored = _scripted_fit(NEAR_ZERO, patience=20, loss_floor=0.01)
    first_below = next(i for i, v in enumerate(NEAR_ZERO) if v < 0.01) + 1  # 1-based epoch
    assert len(plain.history["epoch"]) > 40  # today's rule: the tiny gains keep resetting it
    assert floored.stopped_early
    assert floored.history["epoch"][-1] == first_below + 4  # 5 epochs in a row below 0.01
    assert floored.best_epoch == first_below + 4  # still the lowest loss so far
    # patience=None still runs every epoch
    assert len(_scripted_fit(NEAR_ZERO, patience=None, loss_floor=0.01).history["epoch"]) == 60


def test_loss_floor_counts_consecutive_epochs_only():
    losses = [0.5, 0.005, 0.005, 0.02] + [0.005] * 10
    res = _scripted_fit(losses, patience=20, loss_floor=0.01, floor_epochs=3)
    assert res.history["epoch"][-1] == 7  # the counter restarts after epoch 4


def test_max_steps_stops_after_the_epoch_that_spends_the_budget():
    # one batch an epoch (4 rows, batch 4): a budget of 7 steps ends the run after epoch 7,
    # although the loss still improves; the best epoch is then the last one
    res = _scripted_fit(NEAR_ZERO, patience=20, max_steps=7)
    assert res.out_of_steps and not res.stopped_early
    assert res.history["epoch"][-1] == 7 and res.n_steps == 7 and res.best_epoch == 7
    # patience ends a run before the budget: not out of steps
    flat = _scripted_fit([0.5] * 60, patience=3, max_steps=50)
    assert flat.stopped_early and not flat.out_of_steps and flat.history["epoch"][-1] == 4


def test_loss_floor_leaves_the_validation_path_unchanged():
    # validation loss improves until epoch 30, then not: patience ends both runs at epoch 50,
    # although the training loss has been below the floor since epoch 13
    val_losses = [1.0 - 0.01 * k for k in range(30)] + [0.9] * 30
    runs = []
    for floor in (None, 0.01):
        val = iter(val_losses)
        runs.append(
            _scripted_fit(
                NEAR_ZERO, patience=20, evaluate=lambda v=val: (next(v), 0.5), loss_floor=floor
            )
        )
    assert runs[0].history == runs[1].history and runs[1].history["epoch"][-1] == 50
    assert runs[0].best_epoch == runs[1].best_epoch == 30


def test_non_finite_loss_is_a_clear_error():
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    # NaN on the very first batch: no update happened, so the inputs are to blame
    with pytest.raises(ValueError, match="first batch, before any update.*rescale"):
        train_loop(
            model,
            lambda idx: model(torch.full((len(idx), 3), float("nan"))).sum(),
            4,
            opt,
            epochs=1,
            batch_size=2,
            generator=torch.Generator(),
        )
    # NaN after updates: the step size is to blame
    calls = {"n": 0}

    def step(idx):
        calls["n"] += 1
        value = float("nan") if calls["n"] > 1 else 1.0
        return model(torch.full((len(idx), 3), value)).sum()

    with pytest.raises(ValueError, match="lower the learning rate"):
        train_loop(model, step, 4, opt, epochs=2, batch_size=2, generator=torch.Generator())


def test_ctrl_c_propagates_after_the_finished_epochs_were_reported():
    X, y = _problem()
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    calls, finished = {"n": 0}, []

    def step(idx):
        calls["n"] += 1
        if calls["n"] > 12:
            raise KeyboardInterrupt
        return torch.nn.functional.cross_entropy(model(X[idx]), y[idx])

    with pytest.raises(KeyboardInterrupt):
        train_loop(
            model,
            step,
            len(X),
            opt,
            epochs=10,
            batch_size=8,
            generator=torch.Generator(),
            on_epoch_end=lambda epoch, best, res: finished.append(epoch),
        )
    assert finished == [1, 2]


@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_threaded_gradient_equals_the_plain_gradient(dropout):
    bb = create_backbone("tiny-test", weights=None, seed=0)
    rep = InputReprogrammer(bb.cfg.input_samples, dropout=dropout, mask=True)
    model = ReprogrammedModel(rep, bb, ManyToOneMapping(assign_many_to_one(36, 3))).train()
    rng = np.random.RandomState(0)
    placed, occ = place_series([rng.randn(50) for _ in range(9)], 1600, Repeat(n_repeats=4))
    placed, occ = torch.from_numpy(placed), torch.from_numpy(occ)
    y = torch.arange(9) % 3
    torch.manual_seed(1)
    mask = rep.sample_dropout_mask()

    def loss_sum(idx):
        out = model(placed[idx], occ[idx], dropout_mask=mask)
        return torch.nn.functional.nll_loss(out, y[idx], reduction="sum")

    idx = torch.arange(9)
    model.zero_grad()
    plain = loss_sum(idx) / 9
    plain.backward()
    expected = rep.theta.grad.clone()
    grad = ThreadedGrad([rep.theta], n_threads=2)
    loss = grad(loss_sum, idx)
    grad.close()
    torch.testing.assert_close(loss, plain.detach(), atol=1e-6, rtol=1e-6)
    torch.testing.assert_close(rep.theta.grad, expected, atol=1e-7, rtol=1e-5)
