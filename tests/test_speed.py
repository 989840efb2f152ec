import re

from tsreprog.speed import measure_throughput, run_speed_benchmark


def test_both_paths_report_positive_throughputs_on_a_small_backbone():
    for optimized in (False, True):
        r = measure_throughput(optimized, backbone="tiny-test", steps=2, warmup=1, repeats=1)
        assert r["train_samples_per_s"] > 0 and r["infer_samples_per_s"] > 0


def test_report_ends_with_the_ratio_line_it_returns():
    lines: list[str] = []
    ratio = run_speed_benchmark(steps=1, repeats=1, fit=False, out=lines.append)
    assert re.fullmatch(r"train throughput ratio \(optimized/reference\): \d+\.\d\d", lines[-1])
    assert lines[-1].endswith(f"{ratio:.2f}")
    assert any(line.startswith("| optimized |") for line in lines)
    assert any(line.startswith("peak resident memory:") for line in lines)
