"""Rough per-engine cost of one synthesized clip (see README.md here). Run from the repository root:
PYTHONPATH=. python results/source_model/per_engine_timing.py"""

import time

from tsreprog.data import synth

for aug in (False, True):
    for v in ["en-us+f3", "flite:awb", "festival:kal_diphone", "festival:cmu_us_slt_arctic_hts"]:
        c0 = synth._Clip("forward", "forward", v, "train", "forward/x.wav", 0)
        synth._render_word(c0, 16000, noise=True, augment=aug)  # warm-up (festival start)
        t = time.perf_counter()
        for i in range(15):
            c = synth._Clip("forward", "forward", v, "train", "forward/x.wav", 1000 + i)
            synth._render_word(c, 16000, noise=True, augment=aug)
        print(f"augment={aug} {v}: {(time.perf_counter() - t) / 15 * 1000:.0f} ms/clip")
