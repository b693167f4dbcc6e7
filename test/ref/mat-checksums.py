# Independent reference numbers for test/data/mat*.test.ts: what scipy.io.loadmat (not our reader)
# finds in every level-5 file of ../shared/data (v7.3 files are compared with their level-5 twin).
# Made with: python3 test/ref/mat-checksums.py ../shared/data > test/ref/mat-checksums.json
# (scipy 1.17.1, numpy). Values are in MATLAB order (rows, cols, bands), rounded to float32 the way
# our reader stores cubes, then summed exactly (math.fsum) in float64. Probes index MATLAB order.
import glob, json, math, os, sys
import numpy as np
import scipy.io as sio

os.chdir(sys.argv[1] if len(sys.argv) > 1 else '../shared/data')
out = {}
for f in sorted(glob.glob('*/*.mat')):
    if 'v73' in f:
        continue
    m = sio.loadmat(f)
    vs = {}
    for name, shape, cls in sio.whosmat(f):
        a = m[name]
        e = {'dims': list(shape), 'class': cls}
        if a.dtype.kind in 'iufb' and a.ndim in (2, 3):
            x = a.astype(np.float32).astype(np.float64)
            e['sum'] = math.fsum(x.ravel().tolist())
            e['sumSq'] = math.fsum((x.ravel() ** 2).tolist())
            idx = [(0,) * a.ndim, tuple(d - 1 for d in a.shape),
                   tuple(min(i + 1, d - 1) for i, d in enumerate(a.shape)), tuple(d // 2 for d in a.shape)]
            e['probes'] = [[list(t), float(x[t])] for t in idx]
            e['min'] = float(x.min())
            e['max'] = float(x.max())
        vs[name] = e
    out[f] = vs
print(json.dumps(out, indent=1))
