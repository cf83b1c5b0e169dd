#!/usr/bin/env python3
"""Measure the anomaly detector on a NAB-layout corpus, in sample and cross-validated.

    python3 services/anomaly-alerts/scripts/evaluate_nab.py --nab NAB_ROOT [--json out.json]

NAB_ROOT holds data/<category>/<file>.csv, labels/combined_windows.json and score.py (a scorer
with NAB's rules: load_corpus, load_results, score_detector). The corpus is not part of this
repository; the caller passes where it is.

It runs `pnpm detect` once per candidate configuration (the default configuration, then every
combination of the grid below), then reports per NAB profile:

* in sample: the default configuration at the threshold the scorer finds best on the whole
  corpus, and at the deployed threshold (score 0.5, p = 1e-5), which is fitted to nothing;
* leave one category out: for each category, the configuration and the threshold are chosen on
  the other categories (best normalised score there), and the held-out category is scored with
  them; the held-out raw scores of all folds are summed and normalised like one corpus;
* the same over the categories of recorded series only (`real*`), leaving out the synthetic ones:
  production series are recorded, and synthetic series reward different choices.

With --quick only the default configuration runs, so the cross-validation chooses only the
threshold. --config JSON applies configuration keys to every candidate (experiments).

A large gap between the in-sample and the cross-validated score means constants fitted to the
corpus.
"""

import argparse
import importlib.util
import itertools
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
DETECT = os.path.join(HERE, "detect.ts")

# Candidate values of the detector's tunable constants for cross-validation: each default and
# half and twice it. The default configuration is always candidate 0.
GRID = {
    "baselinePoints": [144, 288, 576],
    "shortPoints": [5, 10, 20],
}
DEPLOYED_THRESHOLD = 0.5
# Categories of recorded (not synthetic) series. Production series are all real, and synthetic
# series reward different choices, so the cross-validation is also run over these alone.
REAL_PREFIX = "real"


def load_scorer(root):
    spec = importlib.util.spec_from_file_location("nab_score", os.path.join(root, "score.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def candidates():
    out = [{}]
    keys = sorted(GRID)
    for values in itertools.product(*(GRID[k] for k in keys)):
        cfg = dict(zip(keys, values))
        if cfg != {"baselinePoints": 288, "shortPoints": 10}:
            out.append(cfg)
    return out


def run_detect(data_dir, out_dir, cfg):
    cmd = ["node", "--import", "tsx", DETECT, "--data", data_dir, "--out", out_dir]
    if cfg:
        cmd += ["--config", json.dumps(cfg)]
    env = {k: v for k, v in os.environ.items() if k != "DETECTOR_WARMUP_POINTS"}
    subprocess.run(cmd, cwd=REPO, check=True, env=env, stdout=subprocess.DEVNULL)


def subset(corpus, scores, keep):
    idx = [i for i, df in enumerate(corpus) if keep(df.category)]
    return [corpus[i] for i in idx], [scores[i] for i in idx]


def cross_validate(nab, corpus, scores, cands, prof, name, cats):
    """Leave one category out over `cats`: for each, the configuration and the threshold are
    chosen on the other categories and the held-out one is scored with them; the held-out raw
    scores are summed and normalised like one corpus. Returns (score, folds)."""
    full = nab.score_detector(corpus, scores[0], prof)["profiles"][name]
    held_raw = 0.0
    folds = []
    for c in cats:
        best = None
        for ci in range(len(cands)):
            tc, ts = subset(corpus, scores[ci], lambda k: k != c)
            r = nab.score_detector(tc, ts, prof)["profiles"][name]
            if best is None or r["score"] > best[1]["score"] + 1e-12:
                best = (ci, r)
        ci, train = best
        hc, hs = subset(corpus, scores[ci], lambda k: k == c)
        thr = train["threshold"]
        held = nab.score_detector(hc, hs, prof, fixed_thresholds={name: thr})["profiles"][name]
        held_raw += held["raw"]
        folds.append({"held_out": c, "config": cands[ci], "threshold": thr,
                      "train_score": train["score"], "held_raw": held["raw"],
                      "tp_windows": held["tp_windows"], "fp_rows": held["fp_rows"]})
    return nab.normalise(held_raw, full["null"], full["perfect"]), folds


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nab", required=True, help="NAB root: data/, labels/, score.py")
    ap.add_argument("--json", help="write all numbers to this file")
    ap.add_argument("--quick", action="store_true", help="default configuration only")
    ap.add_argument("--config", help="JSON of configuration keys applied to every candidate "
                                     "(experiments)")
    args = ap.parse_args(argv)
    root = os.path.abspath(args.nab)
    nab = load_scorer(root)
    data_dir = os.path.join(root, "data")
    corpus = nab.load_corpus(data_dir, os.path.join(root, "labels", "combined_windows.json"))
    profiles = nab.load_profiles(os.path.join(root, "config", "profiles.json")
                                 if os.path.isfile(os.path.join(root, "config", "profiles.json"))
                                 else None)
    cands = [{}] if args.quick else candidates()
    if args.config:
        cands = [dict(json.loads(args.config), **c) for c in cands]
    scores = []
    with tempfile.TemporaryDirectory(prefix="nab-eval-") as tmp:
        for i, cfg in enumerate(cands):
            out = os.path.join(tmp, "c%d" % i)
            run_detect(data_dir, out, cfg)
            scores.append(nab.load_results(out, corpus))
            sys.stderr.write("configuration %d/%d %s done\n" % (i + 1, len(cands), cfg or "default"))

    report = {"candidates": cands, "profiles": {}}
    cats = sorted(set(df.category for df in corpus))
    for name in nab.ordered_profiles(profiles):
        prof = {name: profiles[name]}
        full = nab.score_detector(corpus, scores[0], prof)["profiles"][name]
        fixed = nab.score_detector(corpus, scores[0], prof,
                                   fixed_thresholds={name: DEPLOYED_THRESHOLD})["profiles"][name]
        loco, folds = cross_validate(nab, corpus, scores, cands, prof, name, cats)
        real_cats = [c for c in cats if c.startswith(REAL_PREFIX)]
        real_corpus, _ = subset(corpus, scores[0], lambda k: k.startswith(REAL_PREFIX))
        loco_real, folds_real = cross_validate(
            nab, real_corpus, [subset(corpus, sc, lambda k: k.startswith(REAL_PREFIX))[1]
                               for sc in scores], cands, prof, name, real_cats)
        prof_report = {
            "in_sample": full["score"], "in_sample_threshold": full["threshold"],
            "in_sample_tp_windows": full["tp_windows"], "in_sample_fp_rows": full["fp_rows"],
            "deployed_threshold": fixed["score"], "deployed_tp_windows": fixed["tp_windows"],
            "deployed_fp_rows": fixed["fp_rows"], "loco": loco, "folds": folds,
            "loco_real": loco_real, "folds_real": folds_real,
        }
        report["profiles"][name] = prof_report
        print("%-20s in-sample %6.2f (threshold %.4f, %d/%d windows, %d FP rows)  "
              "at 0.5: %6.2f  LOCO %6.2f  LOCO real %6.2f" % (
                  name, full["score"], full["threshold"] or float("nan"), full["tp_windows"],
                  len([1 for df in corpus for _ in df.scorable]), full["fp_rows"],
                  fixed["score"], loco, loco_real))
        for f in folds + folds_real:
            print("    held out %-22s config %-40s threshold %.4f  raw %7.3f  (%d windows, %d FP)"
                  % (f["held_out"], json.dumps(f["config"]) if f["config"] else "default",
                     f["threshold"] if f["threshold"] is not None else float("nan"),
                     f["held_raw"], f["tp_windows"], f["fp_rows"]))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(report, fh, indent=2)


if __name__ == "__main__":
    main()
