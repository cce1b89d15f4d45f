#!/usr/bin/env python3
"""The numpy peer of `sluice bench scoring`: the same PCA T²+Q batch and single-state scoring.

Fits on correlated 8-sensor states (3 latent factors plus noise, like Sluice's benchmark), folds the
standardisation into one projection, and scores with one matrix product per batch, on one BLAS thread.
Prints one JSON object. Used by `sluice bench scoring --peer numpy`.
"""
import json
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np  # noqa: E402


def states(n, rng, loadings):
    f = rng.standard_normal((n, 3))
    base = 50 + np.arange(8) * 10.0
    return base + (f * [3, 2, 1]) @ loadings + 0.5 * rng.standard_normal((n, 8))


def main():
    fit_rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    batch_states = int(sys.argv[2]) if len(sys.argv) > 2 else 4_000_000
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    rng = np.random.default_rng(1)
    loadings = rng.standard_normal((3, 8))
    train = states(fit_rows, rng, loadings)

    fit_times = []
    for _ in range(3):
        t0 = time.perf_counter()
        mu = train.mean(0)
        sd = train.std(0, ddof=1)
        z = (train - mu) / sd
        cov = z.T @ z / (len(z) - 1)
        lam, vec = np.linalg.eigh(cov)
        lam, vec = lam[::-1], vec[:, ::-1]
        k = int(np.searchsorted(np.cumsum(lam) / lam.sum(), 0.9) + 1)
        fit_times.append(time.perf_counter() - t0)
    scale = np.where(np.arange(8) < k, 1 / np.sqrt(lam), 1.0)
    w = (vec * scale) / sd[:, None]
    offset = (mu / sd) @ (vec * scale)
    t2_limit, q_limit = 20.0, 5.0

    def score(x):
        u = x @ w - offset
        u *= u
        return np.maximum(u[:, :k].sum(1) / t2_limit, u[:, k:].sum(1) / q_limit)

    batch = states(batch_states, rng, loadings)
    rates = []
    for _ in range(runs):
        t0 = time.perf_counter()
        score(batch)
        rates.append(batch_states / (time.perf_counter() - t0))
    latencies = []
    for r in range(2000):
        rows = batch[(r * 1000) % (batch_states - 1000):][:1000]
        t0 = time.perf_counter()
        for i in range(1000):
            score(rows[i:i + 1])
        latencies.append((time.perf_counter() - t0) / 1000 * 1e9)
    rates.sort()
    latencies.sort()
    print(json.dumps({
        "peer": f"numpy {np.__version__}",
        "fitSeconds": min(fit_times),
        "batchStatesPerSecond": rates[-1],
        "batchStatesPerSecondMedian": rates[len(rates) // 2],
        "singleStateNanosecondsMedian": latencies[len(latencies) // 2],
    }))


if __name__ == "__main__":
    main()
