"""Encoders: frames (B, T, 3, H, W) in [-1, 1] -> token grids (B, T', N, D).

Both encoders map each frame (or tubelet) independently, so the encoding of the context never
depends on the future and a frame gets the same representation in every window it appears in.
"""

from __future__ import annotations

from einops import rearrange
from torch import Tensor, nn

from physpred.models.blocks import TransformerBlock, sincos_positions_2d


def _conv_stage(in_channels: int, out_channels: int, groups: int, stride: int) -> nn.Sequential:
    """A downsampling conv (4x4 stride 2, or a ``stride`` x ``stride`` patchify conv) followed
    by a 3x3 conv, each with GroupNorm and GELU."""
    down = (
        nn.Conv2d(in_channels, out_channels, 4, stride=2, padding=1)
        if stride == 2
        else nn.Conv2d(in_channels, out_channels, stride, stride=stride)
    )
    return nn.Sequential(
        down,
        nn.GroupNorm(groups, out_channels),
        nn.GELU(),
        nn.Conv2d(out_channels, out_channels, 3, padding=1),
        nn.GroupNorm(groups, out_channels),
        nn.GELU(),
    )


class ConvEncoder(nn.Module):
    """Small convolutional encoder, fast on CPU.

    One stage per entry of ``widths``; the first downsamples by ``stem_stride``, the others by
    2. Total stride = stem_stride * 2 ** (len(widths) - 1): a 64x64 frame with widths (32, 64)
    and stem_stride 4 gives an 8x8 grid (N = 64).

    Args:
        widths: channels of the stages.
        dim: output token width D.
        groups: GroupNorm groups (per-sample statistics: no leakage across the batch).
        stem_stride: downsampling of the first stage (2: 4x4 conv; more: patchify conv).
    """

    tubelet_size = 1

    def __init__(
        self, *, widths: tuple[int, ...] = (32, 64, 64), dim: int = 64, groups: int = 8, stem_stride: int = 2
    ) -> None:
        super().__init__()
        channels = (3, *widths)
        strides = (stem_stride,) + (2,) * (len(widths) - 1)
        self.stages = nn.Sequential(
            *(
                _conv_stage(cin, cout, groups, stride)
                for cin, cout, stride in zip(channels[:-1], channels[1:], strides, strict=True)
            )
        )
        self.proj = nn.Conv2d(widths[-1], dim, 1)
        self.dim = dim
        self.stride = stem_stride * 2 ** (len(widths) - 1)

    def forward(self, frames: Tensor) -> Tensor:
        """Args: frames (B, T, 3, H, W) float. Returns tokens (B, T, N, D), N = (H/stride)(W/stride)."""
        b = frames.shape[0]
        x = self.proj(self.stages(rearrange(frames, "b t c h w -> (b t) c h w")))  # (BT, D, h, w)
        return rearrange(x, "(b t) d h w -> b t (h w) d", b=b)


class VideoViTEncoder(nn.Module):
    """Video ViT on tubelets (``tubelet_size`` frames x ``patch_size``^2 pixels), for GPUs.

    Attention runs within each tubelet step (spatial), so steps are encoded independently;
    temporal reasoning is the predictor's job. T must be divisible by ``tubelet_size`` and the
    output has T / tubelet_size steps.

    Args:
        patch_size: spatial patch side p.
        tubelet_size: frames per tubelet.
        dim: token width D (divisible by 4 and by ``heads``).
        depth: transformer blocks.
        heads: attention heads.
        mlp_ratio: MLP width multiple.
    """

    def __init__(
        self,
        *,
        patch_size: int = 8,
        tubelet_size: int = 1,
        dim: int = 192,
        depth: int = 6,
        heads: int = 3,
        mlp_ratio: float = 4.0,
    ) -> None:
        super().__init__()
        self.patch_size = patch_size
        self.tubelet_size = tubelet_size
        self.dim = dim
        self.stride = patch_size
        self.embed = nn.Linear(3 * tubelet_size * patch_size**2, dim)
        self.blocks = nn.ModuleList(
            TransformerBlock(dim=dim, heads=heads, mlp_ratio=mlp_ratio) for _ in range(depth)
        )
        self.norm = nn.LayerNorm(dim)

    def forward(self, frames: Tensor) -> Tensor:
        """Args: frames (B, T, 3, H, W) float. Returns tokens (B, T/tubelet, N, D)."""
        b, t, _, h, w = frames.shape
        p, s = self.patch_size, self.tubelet_size
        if t % s or h % p or w % p:
            raise ValueError(
                f"VideoViTEncoder: clip (T={t}, H={h}, W={w}) is not divisible by tubelet_size={s} "
                f"and patch_size={p}; change data.context_frames/future_frames/frame_size or the encoder"
            )
        x = rearrange(
            frames, "b (t s) c (h p) (w q) -> (b t) (h w) (s p q c)", s=s, p=p, q=p
        )  # (B T', N, s p p 3)
        pos = sincos_positions_2d(h // p, w // p, self.dim).to(x.device, x.dtype)  # (N, D)
        x = self.embed(x) + pos
        for block in self.blocks:
            x = block(x)
        return rearrange(self.norm(x), "(b t) n d -> b t n d", b=b)
