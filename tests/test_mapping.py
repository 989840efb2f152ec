import numpy as np
import pytest
import torch

from tsreprog.mappings import (
    LinearMapping,
    ManyToOneMapping,
    assign_many_to_one,
    get_mapping,
    greedy_assignment,
    list_mappings,
)


def _valid(A, n_map):
    assert A.sum(1).max() <= 1  # a source serves at most one target
    assert (A.sum(0) == n_map).all()


def test_ordered_is_contiguous_blocks_like_the_released_code():
    A = assign_many_to_one(36, 5)
    _valid(A, 7)
    assert np.flatnonzero(A[:, 0]).tolist() == list(range(7))
    assert np.flatnonzero(A[:, 4]).tolist() == list(range(28, 35))


def test_random_is_valid_and_seeded():
    A = assign_many_to_one(36, 3, 4, "random", np.random.RandomState(0))
    B = assign_many_to_one(36, 3, 4, "random", np.random.RandomState(0))
    _valid(A, 4)
    np.testing.assert_array_equal(A, B)
    assert not np.array_equal(A, assign_many_to_one(36, 3, 4))


def test_too_many_classes_points_to_linear():
    with pytest.raises(ValueError, match="linear"):
        assign_many_to_one(36, 40)
    with pytest.raises(ValueError, match="n_map"):
        assign_many_to_one(36, 4, 10)


def test_greedy_assignment_on_a_hand_made_matrix():
    scores = np.array(
        [
            [0.9, 0.1],
            [0.8, 0.7],
            [0.2, 0.6],
            [0.5, 0.4],
        ]
    )
    A = greedy_assignment(scores, 2)
    # pairs by score: (0,0) .9, (1,0) .8 -> target 0 full; (1,1) taken source; (2,1) .6, (3,1) .4
    assert np.flatnonzero(A[:, 0]).tolist() == [0, 1]
    assert np.flatnonzero(A[:, 1]).tolist() == [2, 3]
    _valid(A, 2)
    B = greedy_assignment(scores, [1, 3])
    assert B[:, 0].sum() == 1 and B[:, 1].sum() == 3 and B.sum(1).max() == 1


def test_many_to_one_is_renormalised_average_of_probabilities():
    A = np.zeros((6, 2), dtype=bool)
    A[[0, 1], 0] = True
    A[[2, 3, 4], 1] = True  # source 5 unmapped
    logits = torch.randn(3, 6, dtype=torch.float64)
    out = ManyToOneMapping(A)(logits).exp().numpy()
    p = torch.softmax(logits, -1).numpy()
    q = np.stack([p[:, [0, 1]].mean(1), p[:, [2, 3, 4]].mean(1)], 1)
    np.testing.assert_allclose(out, q / q.sum(1, keepdims=True), rtol=1e-10)
    np.testing.assert_allclose(out.sum(1), 1.0)


def test_many_to_one_is_stable_for_huge_logits():
    A = assign_many_to_one(36, 2)
    out = ManyToOneMapping(A)(torch.tensor([[1e4] + [0.0] * 35]))
    assert torch.isfinite(out).all()


def test_invalid_assignment_is_rejected():
    A = np.zeros((4, 2), dtype=bool)
    A[0, 0] = True
    with pytest.raises(ValueError):
        ManyToOneMapping(A)


def test_linear_mapping_shapes_and_trainable():
    m = LinearMapping(36, 50)
    out = m(torch.randn(4, 36))
    assert out.shape == (4, 50)
    torch.testing.assert_close(out.exp().sum(1), torch.ones(4))
    assert sum(p.numel() for p in m.parameters()) == 36 * 50 + 50


# ----------------------------------------------------------- every registered entry, no new code
@pytest.mark.parametrize("name", list_mappings())
def test_entry_builds_restores_and_describes_itself(name):
    mapping = get_mapping(name)
    mapping.check(36, 3)
    rng = np.random.RandomState(0)
    scores = lambda kind: rng.rand(36, 3)  # noqa: E731
    module = mapping.build(
        36, 3, rng=rng, generator=torch.Generator().manual_seed(0), scores=scores
    )
    z = torch.randn(5, 36)
    out = module(z)
    assert out.shape == (5, 3)
    torch.testing.assert_close(out.exp().sum(-1), torch.ones(5, dtype=out.dtype))
    state = {k: v.numpy() for k, v in module.state_dict().items()}
    torch.testing.assert_close(mapping.from_state(36, 3, state)(z), out)
    desc = mapping.describe(module)
    assert desc["kind"] in ("assignment", "weights") and desc["title"]
    shape = (36, 3) if desc["kind"] == "assignment" else (3, 36)
    assert np.asarray(desc["matrix"]).shape == shape
    assert mapping.trains == any(p.requires_grad for p in module.parameters())


@pytest.mark.parametrize("name", list_mappings())
def test_entry_fits_and_pickles_in_the_estimator(name, toy_series):
    import pickle

    from tsreprog import ReprogramClassifier

    X, y = toy_series
    clf = ReprogramClassifier(backbone="tiny-test", mapping=name, epochs=1, random_state=0)
    p = clf.fit(X, y).predict_proba(X)
    np.testing.assert_allclose(pickle.loads(pickle.dumps(clf)).predict_proba(X), p)


# ----------------------------------------------------------- mappings that follow θ (ILM, BLM)
class _FixedLogits(torch.nn.Module):
    """A stand-in model whose source logits are the first columns of each placed row."""

    def source_logits(self, placed, occupied, return_extras=False):
        return placed[:, :4]


def test_top_k_scores_count_top_predictions_and_sum_top_probabilities():
    from tsreprog.inference import assignment_scores

    logits = torch.tensor(
        [[3.0, 2.0, 0.0, -9], [0.0, 3.0, 2.0, -9], [3.0, 0.0, 2.0, -9]], dtype=torch.float32
    )
    placed, occ, y = logits, torch.ones(1, 4, dtype=torch.bool), np.array([0, 0, 1])
    top1 = assignment_scores("top1", _FixedLogits(), placed, occ, y, 2, "cpu")
    np.testing.assert_array_equal(top1, [[1, 1], [1, 0], [0, 0], [0, 0]])
    p = torch.softmax(logits.double(), 1).numpy()
    top2 = assignment_scores("top2", _FixedLogits(), placed, occ, y, 2, "cpu")
    expect = np.zeros((4, 2))
    expect[[0, 1], 0] += p[0, [0, 1]]
    expect[[1, 2], 0] += p[1, [1, 2]]
    expect[[0, 2], 1] += p[2, [0, 2]]
    np.testing.assert_allclose(top2, expect, rtol=1e-6)


def test_blm_is_the_smoothed_conditional_of_targets_given_sources():
    counts = np.array([[4.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    blm = get_mapping("blm").set_params(top_k=2, smoothing=0.5)
    asked = []
    module = blm.build(
        3, 2, rng=None, generator=None, scores=lambda kind: asked.append(kind) or counts
    )
    assert asked == ["top2"]
    omega = module.log_omega.exp().numpy()
    np.testing.assert_allclose(omega, [[4.5 / 5, 0.5 / 5], [0.5, 0.5], [0.5, 0.5]])
    z = torch.tensor([[5.0, 0.0, 0.0]], dtype=torch.float64)
    q = torch.softmax(z, 1).numpy() @ omega
    np.testing.assert_allclose(module(z).exp().numpy(), q)
    with pytest.raises(ValueError, match="top_k=40"):
        get_mapping("blm").set_params(top_k=40).check(36, 2)


@pytest.mark.parametrize("name", [m for m in list_mappings() if get_mapping(m).remaps])
def test_remapping_entries_are_updated_after_every_epoch(name, toy_series, monkeypatch):
    from tsreprog import ReprogramClassifier

    X, y = toy_series
    mapping = get_mapping(name)
    calls = []
    original = type(mapping).remap
    monkeypatch.setattr(
        type(mapping), "remap", lambda self, m, s: calls.append(1) or original(self, m, s)
    )
    clf = ReprogramClassifier(
        backbone="tiny-test",
        mapping=name,
        epochs=3,
        patience=None,
        random_state=0,
        placement="repeat",
    ).fit(X, y)
    assert len(calls) == clf.n_iter_ == 3
