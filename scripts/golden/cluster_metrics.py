"""Golden fixture of the clustering metrics (src/metrics/cluster.ts) against scikit-learn (run by
hand; see README.md here). Writes test/fixtures/cluster-metrics.json.

Each case is a cluster map `pred` (0..k-1), a ground truth `truth`, the label `ignore` left out
(None: every pixel scored) and k. Over the scored pixels:
  confusion  rows the classes present (ascending), columns the clusters 0..k-1 (k given, or
             max(pred over all pixels) + 1), so empty clusters are columns of zeros
  ACC        scipy.optimize.linear_sum_assignment(confusion, maximize=True): matched / n
  mapping    cluster -> matched class label, -1 unmatched (the assignment scipy returns, ties
             broken as scipy breaks them)
  kappa      sklearn cohen_kappa_score(truth, matched labels), unmatched clusters labelled -1
             (NaN, written null, when both labellings are one and the same label)
  NMI        sklearn normalized_mutual_info_score (average_method='arithmetic')
  ARI        sklearn adjusted_rand_score on the raw clusters
  purity     sum over clusters of the column maximum / n
  perClass   per class: pixels and the fraction whose matched label is right

Debian bookworm: apt-get install -y python3-sklearn (scikit-learn 1.2.1, scipy 1.10.1, numpy
1.24); run with /usr/bin/python3. Seeded: a rerun writes the same file.
"""
import json
import math
import os

import numpy as np
import scipy
import sklearn
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score, cohen_kappa_score, normalized_mutual_info_score

OUT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'fixtures', 'cluster-metrics.json'))


def scores(pred, truth, ignore, k):
    keep = truth != ignore if ignore is not None else np.ones(truth.shape, bool)
    p, t = pred[keep], truth[keep]
    classes = np.unique(t)
    confusion = np.zeros((len(classes), k), np.int64)
    np.add.at(confusion, (np.searchsorted(classes, t), p), 1)
    rows, cols = linear_sum_assignment(confusion, maximize=True)
    mapping = np.full(k, -1, np.int64)
    mapping[cols] = classes[rows]
    matched = mapping[p]
    n = len(t)
    kappa = cohen_kappa_score(t, matched)
    per_class = [{'label': int(c), 'pixels': int((t == c).sum()), 'accuracy': float((matched[t == c] == c).mean())} for c in classes]
    return {
        'acc': float(confusion[rows, cols].sum() / n),
        'nmi': float(normalized_mutual_info_score(t, p)),
        'kappa': None if math.isnan(kappa) else float(kappa),
        'ari': float(adjusted_rand_score(t, p)),
        'purity': float(confusion.max(axis=0).sum() / n),
        'perClass': per_class,
        'confusion': confusion.tolist(),
        'classes': classes.tolist(),
        'mapping': mapping.tolist(),
        'clusters': k,
        'pixels': n,
    }


def noisy(rng, n, classes, k, right, unlabelled=0.0):
    """Truth drawn from `classes`; pred a fixed random map of class to cluster, right with
    probability `right`, otherwise uniform over 0..k-1; a fraction of pixels set to 0."""
    truth = rng.choice(classes, n)
    to = rng.permutation(max(k, len(classes)))[: len(classes)] % k
    pred = np.where(rng.random(n) < right, to[np.searchsorted(classes, truth)], rng.integers(0, k, n))
    truth[rng.random(n) < unlabelled] = 0
    return pred, truth


def cases():
    rng = np.random.default_rng(2021)
    out = []

    def add(name, pred, truth, ignore=0, k=None):
        pred, truth = np.asarray(pred, np.int64), np.asarray(truth, np.int64)
        out.append((name, pred, truth, ignore, k))

    add('k6 classes 6, 30 % unlabelled', *noisy(rng, 600, np.arange(1, 7), 6, 0.7, 0.3))
    add('more clusters (9) than classes (5)', *noisy(rng, 500, np.arange(1, 6), 9, 0.6, 0.2))
    add('fewer clusters (3) than classes (6)', *noisy(rng, 500, np.arange(1, 7), 3, 0.8, 0.2))
    pred, truth = noisy(rng, 400, np.array([2, 5, 9, 16]), 8, 0.75, 0.25)
    pred[np.isin(pred, [2, 7])] = 0                              # clusters 2 and 7 empty
    pred[(truth == 0) & (rng.random(400) < 0.3)] = 6              # cluster 6 mostly on unlabelled pixels
    add('empty clusters, sparse labels, k = 9 given', pred, truth, 0, 9)
    add('uncorrelated, 2000 pixels', rng.integers(0, 7, 2000), rng.integers(1, 8, 2000))
    truth = np.full(120, 3)
    truth[rng.random(120) < 0.2] = 0
    add('single class, single cluster', np.zeros(120), truth)
    add('single class, three clusters', rng.integers(0, 3, 120), truth)
    add('three classes, one cluster (k = 3 given)', np.full(150, 1), rng.integers(1, 4, 150), 0, 3)
    i = np.arange(96)
    add('ties: every class split evenly over every cluster', (i // 4) % 4, i % 4 + 1)
    add('ties: two clusters each half of two classes', np.r_[[0] * 10, [1] * 10, [0] * 10, [1] * 10, [2] * 8],
        np.r_[[1] * 20, [2] * 20, [3] * 8])
    # Classes 1 and 2 tie over clusters 0 and 1 but differ in size: kappa depends on the choice.
    add('ties: the tie-break changes kappa', np.r_[[0] * 5, [1] * 5, [0] * 5, [1] * 5, [2] * 3, [0] * 4, [2] * 8],
        np.r_[[1] * 10, [2] * 13, [3] * 12])
    add('ties: fewer clusters, tied columns', np.r_[[0] * 6, [1] * 6, [0] * 6, [1] * 6, [0] * 3, [1] * 3],
        np.r_[[1] * 12, [2] * 12, [3] * 6])
    pred, truth = noisy(rng, 300, np.arange(0, 5), 5, 0.65)
    add('ignore None: label 0 is a class', pred, truth, None)
    truth = rng.integers(1, 5, 200)
    add('identical up to relabelling', np.array([3, 0, 2, 1])[truth - 1], truth)
    return out


def main():
    data = {
        'made_by': f'scripts/golden/cluster_metrics.py (scikit-learn {sklearn.__version__}, scipy {scipy.__version__}, numpy {np.__version__})',
        'cases': [],
    }
    for name, pred, truth, ignore, k in cases():
        kk = k if k is not None else int(pred.max()) + 1
        case = {'name': name, 'ignore': ignore, 'clusters': k, 'pred': pred.tolist(), 'truth': truth.tolist()}
        case['expected'] = scores(pred, truth, ignore, kk)
        data['cases'].append(case)
    with open(OUT, 'w') as f:
        json.dump(data, f, separators=(',', ':'), allow_nan=False)
        f.write('\n')
    print(f'wrote {OUT}: {len(data["cases"])} cases, {os.path.getsize(OUT)} bytes')


if __name__ == '__main__':
    main()
