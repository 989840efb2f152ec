import sys, time, json, warnings, torch
warnings.filterwarnings("ignore")
torch.set_num_threads(1)
from tsreprog.backbones import create_backbone, save_backbone_weights
from tsreprog import ReprogramClassifier
from tsreprog.data.ucr import load_dataset
ck = torch.load("work_data/attrnn_synth.pt.ckpt", weights_only=False)
bb = create_backbone("attrnn", weights=None); bb.load_state_dict(ck["model"])
save_backbone_weights(bb, "work_data/tmp_backbone.pt", {"note": "intermediate checkpoint"})
settings = {
  "pad_lr05": dict(placement="pad", n_repeats=1),
  "fill_lr05": dict(),
  "fill_lr01": dict(lr=0.01),
  "rs160_fill": dict(resample_length=160),
  "fill_mask": dict(mask=True),
  "fill_freqmap": dict(map_assignment="frequency"),
}
for ds in sys.argv[1].split(","):
    Xtr, ytr, Xte, yte = load_dataset(ds, "/work/shared/ucr")
    for name, kw in settings.items():
        t=time.time()
        clf = ReprogramClassifier(weights="work_data/tmp_backbone.pt", random_state=0, epochs=60, patience=15, **kw).fit(Xtr, ytr)
        print(json.dumps(dict(ds=ds, setting=name, acc=round(clf.score(Xte, yte),4), fit_s=round(time.time()-t,1), epochs=clf.n_iter_, best=clf.best_epoch_)), flush=True)
