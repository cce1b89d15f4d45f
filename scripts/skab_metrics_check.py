#!/usr/bin/env python3
"""Recomputes the SKAB figures from prediction files, independently of Sluice's Swift code.

Usage: scripts/skab_metrics_check.py SKAB_DIR PREDICTIONS_DIR
Reads every PREDICTIONS_DIR/<folder>/<n>.csv written by `sluice bench skab --predictions`, the labels of
SKAB_DIR/<folder>/<n>.csv after its first 400 rows, and prints pooled F1/FAR/MAR and the NAB scores.
"""
import csv
import datetime as dt
import math
import os
import sys

TRAIN = 400
PROFILES = {"standard": (1.0, -0.11, -1.0), "lowFP": (1.0, -0.22, -1.0), "lowFN": (1.0, -0.11, -2.0)}


def seconds(text):
    return dt.datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.timezone.utc).timestamp()


def nab_file(times, truth, cps, totals):
    windows = [[times[i], times[i] + 60.0] for i, v in enumerate(truth) if v == 1]
    for i in range(1, len(windows)):
        if windows[i - 1][1] >= windows[i][0]:
            windows[i][0] = windows[i - 1][1]
    marks = [times[i] for i, v in enumerate(cps) if v]
    if windows:
        fp = sum(1 for t in marks if t < windows[0][0])
    else:
        fp = len(marks)
    hits, misses = [], 0
    for i, (a, b) in enumerate(windows):
        inside = [t for t in marks if a <= t <= b]
        if inside:
            hits.append((inside[0] - a) / (b - a) if b > a else 0.0)
        else:
            misses += 1
        nxt = windows[i + 1][0] if i + 1 < len(windows) else math.inf
        fp += sum(1 for t in marks if b < t < nxt)
    for name, (atp, afp, afn) in PROFILES.items():
        score = fp * afp + misses * afn
        for h in hits:
            event = min(int(h * 1000), 999)
            x = -math.pi / 2 + event * math.pi / 999
            score += (atp - afp) / 2 * -math.tanh(x) / math.tanh(math.pi / 2) + (atp - afp) / 2 + afp
        s, null, perfect = totals[name]
        totals[name] = (s + score, null + len(windows) * afn, perfect + len(windows) * atp)


def main(skab, predictions):
    tp = tn = fp = fn = 0
    totals = {name: (0.0, 0.0, 0.0) for name in PROFILES}
    files = 0
    for folder in sorted(os.listdir(predictions)):
        for name in sorted(os.listdir(os.path.join(predictions, folder))):
            with open(os.path.join(skab, folder, name), newline="") as f:
                rows = list(csv.DictReader(f, delimiter=";"))[TRAIN:]
            with open(os.path.join(predictions, folder, name), newline="") as f:
                pred = [int(r["anomaly"]) for r in csv.DictReader(f)]
            assert len(pred) == len(rows), f"{folder}/{name}: {len(pred)} predictions for {len(rows)} test rows"
            truth = [int(float(r["anomaly"])) for r in rows]
            for y, p in zip(truth, pred):
                tp += y and p
                tn += (not y) and (not p)
                fp += (not y) and p
                fn += y and (not p)
            cps = [pred[0]] + [int(pred[i] != pred[i - 1]) for i in range(1, len(pred))]
            nab_file([seconds(r["datetime"]) for r in rows], [int(float(r["changepoint"])) for r in rows], cps, totals)
            files += 1
    print(f"files {files}")
    print(f"F1 {tp / (tp + (fn + fp) / 2):.3f}  FAR {100 * fp / (fp + tn):.2f} %  MAR {100 * fn / (fn + tp):.2f} %")
    print("NAB " + "  ".join(f"{n} {100 * (s - null) / (perfect - null):.2f}" for n, (s, null, perfect) in totals.items()))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
