"""Shared helpers of the golden-fixture scripts (see README.md here).

A fixture is one safetensors file: an 8-byte little-endian header length N, N bytes of JSON
{name: {dtype, shape, data_offsets}, "__metadata__": {...}} padded with spaces to a multiple of
8, then the raw little-endian bytes. Debian has no python3-safetensors, so the format is written
here by hand (the spec is short); our TypeScript reader is src/nn/safetensors.ts.

The reference is computed in float64 from float32 values: parameters, buffers, the input and
the cotangent R are drawn in float32, the module is copied and converted with .double() (exact),
and the float64 results (output, gradients of sum(output * R), running statistics after the
forward) are stored rounded to float32 (a relative change of at most 6e-8, far below the 1e-4
the tests ask for) so the fixtures stay small.
"""
import copy
import json
import os
import struct

import numpy as np
import torch

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
OUT_DIR = os.path.join(ROOT, 'test', 'fixtures', 'golden')

# PyTorch's BatchNorm buffer names -> ours (src/nn/norm.ts).
BUFFER_NAMES = {'running_mean': 'runningMean', 'running_var': 'runningVar', 'num_batches_tracked': 'numBatchesTracked'}


def our_name(name):
    """A PyTorch state_dict key with the BatchNorm buffers spelled as ours."""
    parts = name.split('.')
    return '.'.join(BUFFER_NAMES.get(p, p) for p in parts)


def as_array(t):
    """float tensors -> float32, integer ones (the batch counter) -> int32, little-endian."""
    t = t.detach().cpu()
    if t.is_floating_point():
        return t.to(torch.float32).numpy().astype('<f4')
    return t.to(torch.int32).numpy().astype('<i4')


def save_safetensors(path, tensors, metadata):
    """Writes {name: tensor} and string metadata as a safetensors file; returns its size."""
    dtypes = {np.dtype('<f4'): 'F32', np.dtype('<i4'): 'I32'}
    # np.array, not np.ascontiguousarray: the latter turns a 0-d array (the batch count) into 1-d.
    arrays = {name: np.array(as_array(t), order='C') for name, t in tensors.items()}
    header, offset = {}, 0
    for name in sorted(arrays):
        a = arrays[name]
        header[name] = {'dtype': dtypes[a.dtype], 'shape': list(a.shape), 'data_offsets': [offset, offset + a.nbytes]}
        offset += a.nbytes
    header['__metadata__'] = {k: str(v) for k, v in sorted(metadata.items())}
    text = json.dumps(header, separators=(',', ':')).encode('utf-8')
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for name in sorted(arrays):
            f.write(arrays[name].tobytes())
    return os.path.getsize(path)


def golden(module32, x32, seed, extra_state=None, eval_after=False):
    """The fixture entries of one case.

    module32: the module with its float32 parameters and buffers (in the mode to check);
    x32: the float32 input. Returns the state (our names), 'input', 'cotangent', 'output',
    'grad.input', 'grad.<parameter>', 'after.<buffer>' and, with eval_after, 'output.eval':
    the output in eval mode after the training forward (running statistics updated).
    """
    entries = {our_name(k): v.clone() for k, v in module32.state_dict().items()}
    entries.update(extra_state or {})
    m = copy.deepcopy(module32).double()
    x = x32.double().requires_grad_(True)
    out = m(x)
    g = torch.Generator().manual_seed(seed)
    r32 = torch.randn(out.shape, generator=g, dtype=torch.float32)
    (out * r32.double()).sum().backward()
    entries.update({'input': x32, 'cotangent': r32, 'output': out, 'grad.input': x.grad})
    for k, p in m.named_parameters():
        entries['grad.' + our_name(k)] = p.grad
    for k, b in m.named_buffers():
        entries['after.' + our_name(k)] = b
    if eval_after:
        m.eval()
        with torch.no_grad():
            entries['output.eval'] = m(x.detach())
    return entries


def write_case(name, entries, metadata):
    """Saves one fixture under test/fixtures/golden/ and prints its name and size."""
    os.makedirs(OUT_DIR, exist_ok=True)
    path = os.path.join(OUT_DIR, name + '.safetensors')
    size = save_safetensors(path, entries, metadata)
    print(f'{os.path.relpath(path, ROOT)}: {len(entries)} tensors, {size} bytes')
