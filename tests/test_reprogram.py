import numpy as np
import pytest
import torch

from tsreprog.reprogram import InputReprogrammer, place_series, resample_series


def test_pad_places_series_at_offset_zero():
    x = np.arange(1, 6, dtype=float)
    placed, occ = place_series([x], 20, "pad")
    np.testing.assert_array_equal(placed[0, :5], x)
    assert not placed[0, 5:].any()
    assert occ[0, :5].all() and not occ[0, 5:].any()


def test_repeat_follows_v2s_spacing():
    # L=4, window 40: k=10 slots; m=3 -> spacing 3 slots -> copies at 0, 12, 24
    x = np.array([1.0, 2.0, 3.0, 4.0])
    placed, occ = place_series([x], 40, "repeat", n_repeats=3)
    starts = [i for i in range(40) if occ[0, i] and (i == 0 or not occ[0, i - 1])]
    assert starts == [0, 12, 24]
    for s in starts:
        np.testing.assert_array_equal(placed[0, s : s + 4], x)
    assert occ[0].sum() == 12


def test_repeat_fill_tiles_the_window():
    x = np.array([1.0, -1.0, 0.5])
    placed, occ = place_series([x], 10, "repeat", n_repeats="fill")
    np.testing.assert_array_equal(placed[0, :9], np.tile(x, 3))
    assert placed[0, 9] == 0 and occ[0].sum() == 9


def test_too_many_copies_warns_and_uses_what_fits():
    with pytest.warns(UserWarning, match="do not fit"):
        _, occ = place_series([np.ones(4)], 10, "repeat", n_repeats=5)
    assert occ[0].sum() == 8


def test_resample_stretches_then_pads():
    x = np.array([0.0, 1.0])
    placed, occ = place_series([x], 10, "resample", resample_length=5)
    np.testing.assert_allclose(placed[0, :5], [0, 0.25, 0.5, 0.75, 1.0])
    assert occ[0].sum() == 5
    full, _ = place_series([x], 10, "resample")
    np.testing.assert_allclose(full[0], np.linspace(0, 1, 10), rtol=1e-6)


def test_long_series_is_resampled_with_a_warning_never_truncated():
    x = np.sin(np.linspace(0, 4 * np.pi, 50))
    with pytest.warns(UserWarning, match="resampled"):
        placed, occ = place_series([x], 20, "pad")
    assert occ[0].all()
    np.testing.assert_allclose(placed[0, [0, -1]], x[[0, -1]], atol=1e-6)


def test_variable_lengths_are_placed_one_by_one():
    placed, occ = place_series([np.ones(3), np.ones(5)], 12, "repeat", n_repeats="fill")
    assert occ[0].sum() == 12 and occ[1].sum() == 10


def test_fft_resampling_keeps_a_periodic_tone():
    t = np.arange(32)
    x = np.sin(2 * np.pi * t / 8)
    y = resample_series(x, 64, "fft")
    np.testing.assert_allclose(y, np.sin(2 * np.pi * np.arange(64) / 16), atol=1e-9)


def test_bad_placement_and_lengths_are_rejected():
    with pytest.raises(ValueError, match="placement"):
        place_series([np.ones(3)], 10, "spiral")
    with pytest.raises(ValueError, match="resample_length"):
        place_series([np.ones(3)], 10, "resample", resample_length=11)


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


def test_am_log_envelope_follows_the_series():
    from tsreprog.reprogram import modulate_series

    ramp = np.linspace(-1, 1, 50)
    wave = modulate_series(ramp, 16000, 16000, "am", carrier_hz=200, mod_depth=2.0)
    frames = wave[: 16000 // 400 * 400].reshape(-1, 400)  # 25-ms frames
    db = 20 * np.log10(np.sqrt((frames**2).mean(1)))
    # exp(2 * x) over x in [-1, 1]: the level rises by 4 nepers = 34.7 dB, linearly in time
    assert np.corrcoef(db, np.arange(len(db)))[0, 1] > 0.99
    assert 30 < db[-1] - db[0] < 38


def test_fm_pitch_follows_the_series():
    from tsreprog.reprogram import modulate_series

    step = np.r_[np.full(20, -1.0), np.full(20, 1.0)]
    wave = modulate_series(step, 16000, 16000, "fm", carrier_hz=200, mod_depth=1.0)

    def f0(seg):
        spec = np.abs(np.fft.rfft(seg * np.hanning(len(seg))))
        return np.argmax(spec) * 16000 / len(seg)

    assert abs(f0(wave[1000:7000]) - 100) < 5  # 200 Hz * 2**-1
    assert abs(f0(wave[9000:15000]) - 400) < 5  # 200 Hz * 2**+1
    assert np.abs(wave).max() <= 1.0


def test_modulation_placements_are_full_window_and_validated():
    placed, occ = place_series([np.random.RandomState(0).randn(30)], 1600, "fm", sample_rate=16000)
    assert placed.shape == (1, 1600) and occ.all()
    with pytest.raises(ValueError, match="carrier_hz"):
        place_series([np.ones(5)], 1600, "am", sample_rate=16000, carrier_hz=9000)
