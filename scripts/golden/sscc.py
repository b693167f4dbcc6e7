"""SSCC's network, loss and one Adam step in PyTorch float64 (run by hand; see README.md here).

Written from docs/sscc.md#network and docs/sscc.md#losses (the reference code's semantics), not
copied from the paper's repository:
  resnet: conv1 (C -> w0, 1x1, no bias) -> bn1 -> ReLU; layer1..3: `blocks` torchvision
          BasicBlocks each (stride 1; a 1x1 conv + BN shortcut where the width changes);
          AdaptiveAvgPool(1) -> flatten -> h;
  cluster_projector: Linear(w3 -> hidden) -> ReLU -> Linear(hidden -> K) -> Softmax(dim 1).
The two views go through the network one after the other, as the code's Network.forward does, so
the BatchNorm running statistics move twice. Loss: tradeoff * NT-Xent(ci, cj; tau) + Barlow Twins
(ci, cj; lambda). Then one torch.optim.Adam step with its coupled (L2) weight decay.

Writes test/fixtures/golden/sscc.safetensors; the names are the reference code's state_dict keys
(running_mean, running_var, num_batches_tracked as PyTorch spells them; the test maps them).
"""
import copy
import json

import torch
import torch.nn as nn
import torch.nn.functional as F

from blocks import BasicBlock, scramble
from common import write_case

# The decisions the float32 run must take as float64 does: every ReLU input is recorded.
KINKS = []


def relu(x):
    KINKS.append(x.detach())
    return F.relu(x)


class Block(BasicBlock):
    """blocks.BasicBlock (torchvision's, state names included) with its ReLU inputs recorded."""

    def forward(self, x):
        out = self.bn2(self.conv2(relu(self.bn1(self.conv1(x)))))
        return relu(out + (self.downsample(x) if self.downsample is not None else x))


class ResNet(nn.Module):
    """SSCC's backbone: a 1x1 stem, no max-pool, stride 1 everywhere, global average pooling."""

    def __init__(self, in_channels, widths, blocks):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, widths[0], 1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.depth = len(widths) - 1
        for i in range(1, len(widths)):
            layer = [Block(widths[i - 1] if b == 0 else widths[i], widths[i], 1) for b in range(blocks)]
            setattr(self, f'layer{i}', nn.Sequential(*layer))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

    def forward(self, x):
        x = relu(self.bn1(self.conv1(x)))
        for i in range(1, self.depth + 1):
            x = getattr(self, f'layer{i}')(x)
        return torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)


class Head(nn.Module):
    def forward(self, x):
        return relu(x)


class Network(nn.Module):
    def __init__(self, in_channels, clusters, widths, blocks, hidden):
        super().__init__()
        self.resnet = ResNet(in_channels, widths, blocks)
        self.cluster_projector = nn.Sequential(nn.Linear(widths[-1], hidden), Head(), nn.Linear(hidden, clusters), nn.Softmax(dim=1))

    def forward(self, xi, xj):
        hi = self.resnet(xi)
        hj = self.resnet(xj)
        return hi, hj, self.cluster_projector(hi), self.cluster_projector(hj)


def nt_xent(ci, cj, tau):
    """Rows of [ci; cj] L2-normalised, logits z z^T / tau, positive = the other view's row,
    negatives = the other 2N - 2 rows; cross-entropy summed over the 2N rows, divided by 2N."""
    n = ci.shape[0]
    z = F.normalize(torch.cat([ci, cj]), dim=1)
    sim = z @ z.T / tau
    partner = torch.cat([torch.arange(n, 2 * n), torch.arange(n)])
    logits = sim.masked_fill(torch.eye(2 * n, dtype=torch.bool), float('-inf'))
    return -(sim[torch.arange(2 * n), partner] - torch.logsumexp(logits, dim=1)).sum() / (2 * n)


def barlow_twins(ci, cj, lambd):
    """Each view batch-normalised (batch statistics, biased variance, eps 1e-5, no affine);
    C = bn(ci)^T bn(cj) / N; sum_k (1 - C_kk)^2 + lambda sum_{k != l} C_kl^2."""
    def bn(c):
        return (c - c.mean(0)) / torch.sqrt(c.var(0, unbiased=False) + 1e-5)
    corr = bn(ci).T @ bn(cj) / ci.shape[0]
    off = ~torch.eye(corr.shape[0], dtype=torch.bool)
    return ((torch.diagonal(corr) - 1) ** 2).sum() + lambd * (corr[off] ** 2).sum()


def check_losses():
    """Our loss functions against the literal form (the masked logits [pos, negs] and torch's own
    BatchNorm1d(affine=False) in training mode), on random softmax rows."""
    g = torch.Generator().manual_seed(7)
    ci = torch.softmax(torch.randn(9, 5, generator=g, dtype=torch.float64), 1)
    cj = torch.softmax(torch.randn(9, 5, generator=g, dtype=torch.float64), 1)
    n = ci.shape[0]
    z = F.normalize(torch.cat([ci, cj]))
    sim = z @ z.T / 0.5
    pos = torch.cat([torch.diag(sim, n), torch.diag(sim, -n)]).reshape(2 * n, 1)
    mask = torch.ones(2 * n, 2 * n, dtype=torch.bool).fill_diagonal_(False)
    mask[torch.arange(n), torch.arange(n, 2 * n)] = False
    mask[torch.arange(n, 2 * n), torch.arange(n)] = False
    logits = torch.cat([pos, sim[mask].reshape(2 * n, -1)], 1)
    want = F.cross_entropy(logits, torch.zeros(2 * n, dtype=torch.long), reduction='sum') / (2 * n)
    assert abs(nt_xent(ci, cj, 0.5) - want) < 1e-12, (nt_xent(ci, cj, 0.5), want)
    bn = nn.BatchNorm1d(5, affine=False).double().train()
    c = bn(ci).T @ bn(cj) / n
    want = ((torch.diagonal(c) - 1) ** 2).sum() + 0.005 * (c.flatten()[:-1].view(4, 6)[:, 1:] ** 2).sum()
    assert abs(barlow_twins(ci, cj, 0.005) - want) < 1e-12, (barlow_twins(ci, cj, 0.005), want)


def margin(kinks):
    """The smallest |ReLU input| relative to its tensor's standard deviation."""
    return min((k.abs().min() / k.std()).item() for k in kinks)


def build(seed, cfg):
    torch.manual_seed(seed)
    net = Network(cfg['inChannels'], cfg['clusters'], cfg['widths'], cfg['blocks'], cfg['hidden']).train()
    scramble(net.resnet, seed + 1)  # BN vectors and running statistics away from 1 and 0
    g = torch.Generator().manual_seed(seed + 2)
    shape = (cfg['n'], cfg['inChannels'], cfg['patch'], cfg['patch'])
    return net, torch.randn(shape, generator=g), torch.randn(shape, generator=g)


def run(net32, xi32, xj32, cfg):
    """Forward (training mode) of both views, the loss, its gradients, one Adam step: float64."""
    KINKS.clear()
    m = copy.deepcopy(net32).double()
    hi, hj, ci, cj = m(xi32.double(), xj32.double())
    inst, cc = nt_xent(ci, cj, cfg['temperature']), barlow_twins(ci, cj, cfg['lambda'])
    loss = cfg['tradeoff'] * inst + cc
    loss.backward()
    out = {'hi': hi, 'hj': hj, 'ci': ci, 'cj': cj, 'loss': loss, 'loss.instance': inst, 'loss.cc': cc}
    out.update({'grad.' + k: p.grad.clone() for k, p in m.named_parameters()})
    out.update({'after.' + k: b.clone() for k, b in m.named_buffers()})
    # Each loss term's gradient with respect to the cluster rows, at the rows as saved (float32):
    # NT-Xent's weight of 5e-5 hides its gradient in the parameters', so it is checked here.
    ci32, cj32 = (c.detach().float().double().requires_grad_(True) for c in (ci, cj))
    for name, term in (('instance', nt_xent(ci32, cj32, cfg['temperature'])), ('cc', barlow_twins(ci32, cj32, cfg['lambda']))):
        gi, gj = torch.autograd.grad(term, (ci32, cj32))
        out.update({f'dloss.{name}.ci': gi, f'dloss.{name}.cj': gj})
    opt = torch.optim.Adam(m.parameters(), lr=cfg['lr'], betas=(cfg['beta1'], cfg['beta2']), eps=cfg['eps'], weight_decay=cfg['weightDecay'])
    opt.step()
    out.update({'param1.' + k: p.detach().clone() for k, p in m.named_parameters()})
    return out, margin(KINKS)


def float32_error(net32, xi32, xj32, cfg, out):
    """PyTorch's own float32 gradients against the float64 ones: max |error| / max |gradient| over
    the parameters. The loss batch-normalises nearly uniform softmax columns (spread ~0.01 over 6
    rows at the code's initialisation), so the head's gradients are sums of large cancelling
    terms, and float32 loses up to ~5e-4 of them on many seeds."""
    m = copy.deepcopy(net32)
    hi, hj, ci, cj = m(xi32, xj32)
    (cfg['tradeoff'] * nt_xent(ci, cj, cfg['temperature']) + barlow_twins(ci, cj, cfg['lambda'])).backward()
    return max(((p.grad.double() - out['grad.' + k]).abs().max() / out['grad.' + k].abs().max()).item() for k, p in m.named_parameters())


def full_state(clusters):
    """The state_dict names and shapes of the code's full-width network, and its parameter count."""
    net = Network(8, clusters, [32, 64, 128, 256], 2, 512)
    state = [[k, list(v.shape)] for k, v in net.state_dict().items()]
    return state, sum(p.numel() for p in net.parameters())


if __name__ == '__main__':
    torch.set_num_threads(1)  # the same sums in the same order on every machine
    check_losses()
    cfg = dict(inChannels=8, clusters=4, widths=[6, 8, 12, 16], blocks=2, hidden=24, n=6, patch=7,
               tradeoff=5e-5, temperature=0.5, **{'lambda': 0.005}, lr=2e-4, beta1=0.9, beta2=0.999, eps=1e-8, weightDecay=5e-3)
    # The first seed whose ReLU inputs all keep 2e-5 of their tensor's spread from the kink (about
    # 130,000 of them), so float32 round-off cannot flip a ReLU and move a gradient, and whose
    # gradients PyTorch's float32 gets to 1e-5 (10 times inside the tests' tolerance): a fixture
    # that float32 arithmetic itself can meet (see float32_error).
    for seed in range(1, 1000):
        net, xi, xj = build(seed, cfg)
        out, m = run(net, xi, xj, cfg)
        if m >= 2e-5:
            err32 = float32_error(net, xi, xj, cfg, out)
            if err32 <= 1e-5:
                break
    print(f'seed {seed}: smallest ReLU margin {m:.2e} of its tensor\'s standard deviation; PyTorch float32 gradients to {err32:.1e}')
    entries = dict(net.state_dict())
    entries.update({'xi': xi, 'xj': xj, **out})
    state, count = full_state(16)
    meta = dict(cfg, module='Sscc', seed=seed, margin=f'{m:.3e}', float32GradError=f'{err32:.2e}', widths=json.dumps(cfg['widths']),
                fullClusters=16, fullParameters=count, fullState=json.dumps(state, separators=(',', ':')))
    write_case('sscc', entries, meta)
