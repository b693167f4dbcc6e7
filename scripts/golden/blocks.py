"""Golden fixtures of the src/nn blocks against PyTorch (run by hand; see README.md here).

TransformerBlock: a plain-PyTorch module with the semantics of timm 1.0.8's vision_transformer
Block (pre-norm; Attention with qkv bias and qk-norm options; Mlp fc1 -> exact GELU -> fc2;
nn.LayerNorm eps 1e-5; no dropout, drop-path or layer-scale), its state_dict keys timm's.
BasicBlock: torchvision's ResNet BasicBlock as SSCC's backbone uses it (docs/sscc.md#network).
Every case runs in float64 from float32 values (common.golden) and BatchNorm in training mode.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from common import golden, write_case


class Attention(nn.Module):
    """Multi-head self-attention over x [B, N, C], as timm's Attention."""

    def __init__(self, dim, heads, qkv_bias, qk_norm):
        super().__init__()
        self.heads, self.head_dim = heads, dim // heads
        self.qkv = nn.Linear(dim, 3 * dim, bias=qkv_bias)
        self.q_norm = nn.LayerNorm(self.head_dim, eps=1e-5) if qk_norm else nn.Identity()
        self.k_norm = nn.LayerNorm(self.head_dim, eps=1e-5) if qk_norm else nn.Identity()
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, c = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4).unbind(0)
        q, k = self.q_norm(q), self.k_norm(k)
        weights = torch.softmax((q * self.head_dim ** -0.5) @ k.transpose(-2, -1), dim=-1)
        return self.proj((weights @ v).transpose(1, 2).reshape(b, n, c))


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))  # approximate='none': the erf form


class Block(nn.Module):
    """x + attn(norm1(x)), then + mlp(norm2(.)), as timm's Block."""

    def __init__(self, dim, heads, mlp_ratio, qkv_bias, qk_norm):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-5)
        self.attn = Attention(dim, heads, qkv_bias, qk_norm)
        self.norm2 = nn.LayerNorm(dim, eps=1e-5)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class BasicBlock(nn.Module):
    """torchvision's BasicBlock: 3x3 conv (stride), BN, ReLU, 3x3 conv, BN, + shortcut, ReLU."""

    def __init__(self, inplanes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride=stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(out + (self.downsample(x) if self.downsample is not None else x))


def scramble(module, seed):
    """Seeded non-trivial vectors: norm weights 1 + 0.2 N(0, 1), biases and running means
    0.2 N(0, 1), running variances in [0.5, 1.5], so ones and zeros hide no indexing bug."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in module.state_dict().items():
            if t.dim() != 1 or not t.is_floating_point():
                continue
            noise = torch.randn(t.shape, generator=g)
            if name.endswith('running_var'):
                t.copy_(0.5 + torch.rand(t.shape, generator=g))
            elif name.endswith('weight'):
                t.copy_(1 + 0.2 * noise)
            else:
                t.copy_(0.2 * noise)


def block_case(name, seed, b, n, dim, heads, mlp_ratio, qkv_bias, qk_norm, x_scale=1.0):
    torch.manual_seed(seed)
    m = Block(dim, heads, mlp_ratio, qkv_bias, qk_norm)
    scramble(m, seed + 1)
    x = x_scale * torch.randn(b, n, dim, generator=torch.Generator().manual_seed(seed + 2))
    meta = dict(module='TransformerBlock', dim=dim, heads=heads, mlpRatio=mlp_ratio, qkvBias=qkv_bias, qkNorm=qk_norm, eps=1e-5)
    write_case(name, golden(m, x, seed + 3), meta)


def basic_case(name, seed, shape, planes, stride):
    torch.manual_seed(seed)
    m = BasicBlock(shape[1], planes, stride).train()
    scramble(m, seed + 1)
    x = torch.randn(*shape, generator=torch.Generator().manual_seed(seed + 2))
    meta = dict(module='BasicBlock', inPlanes=shape[1], planes=planes, stride=stride, training=True)
    write_case(name, golden(m, x, seed + 3, eval_after=True), meta)


if __name__ == '__main__':
    torch.set_num_threads(1)  # the same sums in the same order on every machine
    # Super-AD's settings (1 head, mlp ratio 2, qkv bias, qk-norm), then 2 heads with timm's defaults
    # for the ratio and bias and qk-norm on; 7 tokens, dim 32. The second input is small (variance
    # 4e-4), so norm1's eps matters: eps 1e-6 instead of 1e-5 would move the output by 7e-3 of its scale.
    block_case('block_h1', 1, 2, 7, 32, 1, 2.0, True, True)
    block_case('block_h2', 2, 2, 7, 32, 2, 4.0, False, True, x_scale=0.02)
    # SSCC's case: channels change at stride 1 (projection); the identity shortcut; torchvision's stride 2.
    basic_case('basic_proj', 3, (2, 4, 7, 9), 8, 1)
    basic_case('basic_identity', 4, (2, 8, 7, 9), 8, 1)
    basic_case('basic_stride2', 5, (2, 4, 7, 9), 8, 2)
