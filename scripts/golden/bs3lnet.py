"""Golden fixtures of BS3LNet's network (src/models/bs3lnet.ts) against PyTorch (run by hand;
see README.md here).

'mask' is the reference code's network as docs/bs3lnet.md#network describes it: every 3x3 conv after a
reflection pad of 1, stride 1, no dilation; encoder conv (bias) -> ReLU = e; 2 residual blocks
x + BN(conv(ReLU(BN(conv(x))))) with bias-free convs and nothing after the add; decoder conv (no
bias) -> BN, plus e; head conv (bias), no output activation. 'conv' is our true blind-spot
variant: the encoder's centre tap masked (weight * mask) and every later 3x3 conv with dilation
2 after a reflection pad of 2. Attribute names follow ours (encoder, resblocks.i.conv1/bn1/
conv2/bn2, decoder, decoderBn, head), so state names match our stateDict() after the BatchNorm
buffer renaming. BatchNorm in training mode (batch statistics; running statistics updated).
Weights as the code's init_weights('normal', 0.02) (conv N(0, 0.02^2), BN weight N(1, 0.02^2)),
but biases, BN biases and initial running statistics are drawn non-zero so that they are tested.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from common import golden, write_case


class PadConv(nn.Conv2d):
    """A 3x3 conv after a reflection pad of its dilation; optional fixed tap mask (buffer)."""

    def __init__(self, cin, cout, dilation, bias, masked=False):
        super().__init__(cin, cout, 3, dilation=dilation, bias=bias)
        if masked:
            mask = torch.ones(3, 3)
            mask[1, 1] = 0
            self.register_buffer('mask', mask)
        else:
            self.mask = None

    def forward(self, x):
        p = self.dilation[0]
        w = self.weight if self.mask is None else self.weight * self.mask
        return F.conv2d(F.pad(x, (p, p, p, p), mode='reflect'), w, self.bias, dilation=self.dilation)


class ResBlock(nn.Module):
    def __init__(self, ch, d):
        super().__init__()
        self.conv1 = PadConv(ch, ch, d, bias=False)
        self.bn1 = nn.BatchNorm2d(ch)
        self.conv2 = PadConv(ch, ch, d, bias=False)
        self.bn2 = nn.BatchNorm2d(ch)

    def forward(self, x):
        return x + self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))


class Net(nn.Module):
    def __init__(self, bands, hidden, blocks, blindspot):
        super().__init__()
        d = 2 if blindspot == 'conv' else 1
        self.encoder = PadConv(bands, hidden, 1, bias=True, masked=blindspot == 'conv')
        self.resblocks = nn.ModuleList([ResBlock(hidden, d) for _ in range(blocks)])
        self.decoder = PadConv(hidden, hidden, d, bias=False)
        self.decoderBn = nn.BatchNorm2d(hidden)
        self.head = PadConv(hidden, bands, d, bias=True)

    def forward(self, x):
        e = F.relu(self.encoder(x))
        h = e
        for block in self.resblocks:
            h = block(h)
        return self.head(self.decoderBn(self.decoder(h)) + e)


def init(net, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in net.state_dict().items():
            if not t.is_floating_point() or name.endswith('mask'):
                continue
            n = torch.randn(t.shape, generator=g)
            if t.dim() == 4:
                t.copy_(0.02 * n)
            elif name.endswith('running_var'):
                t.copy_(0.5 + torch.rand(t.shape, generator=g))
            elif name.endswith('weight'):
                t.copy_(1 + 0.02 * n)
            else:
                t.copy_(0.1 * n)  # conv and BN biases, running means


def case(name, seed, shape, hidden, blocks, blindspot):
    net = Net(shape[1], hidden, blocks, blindspot).train()
    init(net, seed)
    x = torch.randn(*shape, generator=torch.Generator().manual_seed(seed + 1))
    meta = dict(module='Bs3lnet', bands=shape[1], hidden=hidden, blocks=blocks, blindspot=blindspot, training=True)
    write_case(name, golden(net, x, seed + 2, eval_after=True), meta)


if __name__ == '__main__':
    torch.set_num_threads(1)
    case('bs3lnet_mask', 11, (1, 9, 11, 13), 8, 2, 'mask')
    case('bs3lnet_conv', 12, (1, 9, 11, 13), 8, 2, 'conv')
