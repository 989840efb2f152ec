import numpy as np
import pytest
from sklearn.base import clone

from tsreprog import ReprogramClassifier
from tsreprog.placements import (
    AM,
    FM,
    Pad,
    Placement,
    Repeat,
    Resample,
    get_placement,
    list_placements,
    modulate_series,
    place_series,
    resample_series,
)

# ----------------------------------------------------------- every registered entry, no new code
ALL = list_placements()


@pytest.mark.parametrize("name", ALL)
def test_entry_places_any_lengths_into_the_window(name):
    p = get_placement(name)
    rng = np.random.RandomState(0)
    placed, occ = p.place([rng.randn(30), rng.randn(7), rng.randn(160)], 160, 16000)
    assert placed.shape == occ.shape == (3, 160)
    assert placed.dtype == np.float32 and occ.dtype == bool
    assert np.isfinite(placed).all() and occ.any(axis=1).all()
    assert p.fills_window() == bool(occ.all()), "fills_window must say what place() does"


@pytest.mark.parametrize("name", ALL)
def test_entry_declares_its_linearity_truthfully(name):
    p = get_placement(name)
    rng = np.random.RandomState(1)
    x, z = rng.randn(40), rng.randn(40)
    px, pz, pxz = (p.place([s], 200, 16000)[0][0] for s in (x, z, 2 * x - 3 * z))
    is_linear = np.allclose(pxz, 2 * px - 3 * pz, atol=1e-4)
    assert is_linear == p.linear


@pytest.fixture(scope="module")
def attrnn_frontend():
    from tsreprog import create_backbone

    return create_backbone("attrnn", weights=None).frontend  # no learned weights in it


@pytest.mark.parametrize("name", ALL)
def test_entry_declares_whether_it_keeps_time_order_truthfully(name, attrnn_frontend):
    """A 128-sample ramp (slow rise, sharp drop) and its reverse, through the AttRNN front
    end: an order-keeping placement makes them differ (measured 0.23 to 0.64 in mean absolute
    log-mel difference), one that loses order barely (0.001 to 0.003)."""
    import torch

    bell = np.r_[np.linspace(0, 1, 100), np.linspace(1, 0, 28)]
    bell = (bell - bell.mean()) / bell.std()
    p = get_placement(name)
    placed, _ = p.place([bell, bell[::-1].copy()], 16000, 16000)
    with torch.no_grad():
        feats = attrnn_frontend(torch.from_numpy(placed))
    diff = (feats[0] - feats[1]).abs().mean().item()
    if p.keeps_order():
        assert diff > 0.1, f"{name} claims to keep order, but reverse differs by {diff:.4f}"
    else:
        assert diff < 0.01, f"{name} claims to lose order, but reverse differs by {diff:.4f}"


@pytest.mark.parametrize("name", ALL)
def test_entry_is_a_clonable_configuration(name):
    p = get_placement(name)
    assert isinstance(p, Placement) and p.name == name
    q = clone(p)
    assert q is not p and q.get_params() == p.get_params()
    assert get_placement(p) is p


@pytest.mark.parametrize("name", ALL)
def test_entry_fits_in_the_estimator_and_mask_conflicts_are_refused(name, toy_series):
    X, y = toy_series
    p = get_placement(name)
    clf = ReprogramClassifier(backbone="tiny-test", placement=name, epochs=1, random_state=0)
    clf.fit(X, y)
    assert clf.placement_.get_params() == p.get_params()
    if p.fills_window():
        with pytest.raises(ValueError, match="mask=True and placement=.*conflict"):
            clone(clf).set_params(mask=True).fit(X, y)


def test_nested_parameters_work_in_set_params_and_grid_search(toy_series):
    from sklearn.model_selection import GridSearchCV

    clf = ReprogramClassifier(backbone="tiny-test", epochs=1, random_state=0, placement="repeat")
    clf.set_params(placement__n_repeats=2)
    assert isinstance(clf.placement, Repeat) and clf.placement.n_repeats == 2
    assert clf.get_params()["placement__n_repeats"] == 2
    both = ReprogramClassifier().set_params(placement="am", placement__depth=2.0)
    assert isinstance(both.placement, AM) and both.placement.depth == 2.0
    X, y = toy_series
    gs = GridSearchCV(clf, {"placement__n_repeats": [1, "fill"]}, cv=2).fit(X, y)
    assert gs.best_params_["placement__n_repeats"] in (1, "fill")


def test_bad_nested_parameter_names_the_parameter(toy_series):
    X, y = toy_series
    clf = ReprogramClassifier(backbone="tiny-test", placement=Repeat(n_repeats=0), epochs=1)
    with pytest.raises(ValueError, match="n_repeats"):
        clf.fit(X, y)
    with pytest.raises(ValueError, match="length=50 is longer than the backbone's window"):
        Pad(length=50).place([np.ones(3)], 10, 16000)
    with pytest.raises(ValueError, match="placement must be one of"):
        get_placement("spiral")


# ------------------------------------------------------------------------- the entries' behaviour
def test_pad_places_series_at_offset_zero():
    x = np.arange(1, 6, dtype=float)
    placed, occ = place_series([x], 20, "pad")
    np.testing.assert_array_equal(placed[0, :5], x)
    assert not placed[0, 5:].any()
    assert occ[0, :5].all() and not occ[0, 5:].any()


def test_repeat_follows_v2s_spacing():
    # L=4, window 40: k=10 slots; m=3 -> spacing 3 slots -> copies at 0, 12, 24
    x = np.array([1.0, 2.0, 3.0, 4.0])
    placed, occ = place_series([x], 40, Repeat(n_repeats=3))
    starts = [i for i in range(40) if occ[0, i] and (i == 0 or not occ[0, i - 1])]
    assert starts == [0, 12, 24]
    for s in starts:
        np.testing.assert_array_equal(placed[0, s : s + 4], x)
    assert occ[0].sum() == 12


def test_repeat_fill_tiles_the_window():
    x = np.array([1.0, -1.0, 0.5])
    placed, occ = place_series([x], 10, Repeat(n_repeats="fill"))
    np.testing.assert_array_equal(placed[0, :9], np.tile(x, 3))
    assert placed[0, 9] == 0 and occ[0].sum() == 9


def test_too_many_copies_warns_and_uses_what_fits():
    with pytest.warns(UserWarning, match="do not fit"):
        _, occ = place_series([np.ones(4)], 10, Repeat(n_repeats=5))
    assert occ[0].sum() == 8


def test_resample_stretches_then_pads():
    x = np.array([0.0, 1.0])
    placed, occ = place_series([x], 10, Resample(length=5))
    np.testing.assert_allclose(placed[0, :5], [0, 0.25, 0.5, 0.75, 1.0])
    assert occ[0].sum() == 5
    full, _ = place_series([x], 10, "resample")
    np.testing.assert_allclose(full[0], np.linspace(0, 1, 10), rtol=1e-6)


def test_length_applies_before_repeat():
    placed, occ = place_series([np.array([0.0, 1.0])], 12, Repeat(n_repeats="fill", length=3))
    np.testing.assert_allclose(placed[0], np.tile([0.0, 0.5, 1.0], 4))


def test_long_series_is_resampled_with_a_warning_never_truncated():
    x = np.sin(np.linspace(0, 4 * np.pi, 50))
    with pytest.warns(UserWarning, match="resampled"):
        placed, occ = place_series([x], 20, "pad")
    assert occ[0].all()
    np.testing.assert_allclose(placed[0, [0, -1]], x[[0, -1]], atol=1e-6)


def test_variable_lengths_are_placed_one_by_one():
    placed, occ = place_series([np.ones(3), np.ones(5)], 12, Repeat(n_repeats="fill"))
    assert occ[0].sum() == 12 and occ[1].sum() == 10


def test_fft_resampling_keeps_a_periodic_tone():
    t = np.arange(32)
    x = np.sin(2 * np.pi * t / 8)
    y = resample_series(x, 64, "fft")
    np.testing.assert_allclose(y, np.sin(2 * np.pi * np.arange(64) / 16), atol=1e-9)


def test_am_log_envelope_follows_the_series():
    ramp = np.linspace(-1, 1, 50)
    wave = modulate_series(ramp, 16000, 16000, "am", carrier_hz=200, depth=2.0)
    frames = wave[: 16000 // 400 * 400].reshape(-1, 400)  # 25-ms frames
    db = 20 * np.log10(np.sqrt((frames**2).mean(1)))
    # exp(2 * x) over x in [-1, 1]: the level rises by 4 nepers = 34.7 dB, linearly in time
    assert np.corrcoef(db, np.arange(len(db)))[0, 1] > 0.99
    assert 30 < db[-1] - db[0] < 38


def test_fm_pitch_follows_the_series():
    step = np.r_[np.full(20, -1.0), np.full(20, 1.0)]
    wave = modulate_series(step, 16000, 16000, "fm", carrier_hz=200, depth=1.0)

    def f0(seg):
        spec = np.abs(np.fft.rfft(seg * np.hanning(len(seg))))
        return np.argmax(spec) * 16000 / len(seg)

    assert abs(f0(wave[1000:7000]) - 100) < 5  # 200 Hz * 2**-1
    assert abs(f0(wave[9000:15000]) - 400) < 5  # 200 Hz * 2**+1
    assert np.abs(wave).max() <= 1.0


def test_carrier_above_nyquist_is_refused_with_the_parameter_named():
    placed, occ = place_series([np.random.RandomState(0).randn(30)], 1600, FM())
    assert placed.shape == (1, 1600) and occ.all()
    with pytest.raises(ValueError, match="carrier_hz=9000"):
        place_series([np.ones(5)], 1600, AM(carrier_hz=9000), sample_rate=16000)


def test_segments_tile_overlapping_pieces_in_order():
    from tsreprog.placements.segments import Segments

    x = np.arange(90, dtype=float)
    p = Segments(n_segments=4, overlap=0.5)
    piece, starts = p.pieces(90)
    assert piece == 36 and starts.tolist() == [0, 18, 36, 54]
    placed, occ = p.place([x], 1000, 16000)
    part = 1000 // 4
    for k, start in enumerate(starts):
        seg = placed[0, k * part : (k + 1) * part]
        np.testing.assert_array_equal(seg[:piece], x[start : start + piece])
        np.testing.assert_array_equal(seg[piece : 2 * piece], x[start : start + piece])
    assert occ.all() and not Segments(n_segments=1).keeps_order()
    with pytest.raises(ValueError, match="n_segments <= 500"):
        Segments(n_segments=600).place([x], 1000, 16000)
