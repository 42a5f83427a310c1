"""The arithmetic of V-JEPA's intuitive-physics protocol: inputs, token counts, targets, L1.

Pure torch functions, no ``transformers``: each one is a line or two of the published code
(facebookresearch/jepa-intuitive-physics, ``evals/intuitive_physics``) made testable by hand.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import Tensor

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def resize_frames(frames: Tensor, size: int) -> Tensor:
    """Frames as the published transform makes them, before normalisation.

    Its random resized crop with scale 1 and aspect ratio 1 always falls back to the centre
    square (the whole frame when square, as IntPhys's 288 x 288), then resizes it bilinearly
    without antialiasing.

    Args:
        frames: (T, 3, H, W) uint8.
        size: S.

    Returns:
        (T, 3, S, S) float32 in 0..255.
    """
    height, width = frames.shape[-2:]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    square = frames[..., top : top + side, left : left + side].float()
    return F.interpolate(square, size=(size, size), mode="bilinear", align_corners=False)


def normalise(frames: Tensor, mean: Sequence[float], std: Sequence[float]) -> Tensor:
    """(T, 3, S, S) float in 0..255 -> (frames / 255 - mean) / std, per channel."""
    mean_t = torch.tensor(mean, dtype=frames.dtype, device=frames.device).view(3, 1, 1)
    std_t = torch.tensor(std, dtype=frames.dtype, device=frames.device).view(3, 1, 1)
    return (frames / 255.0 - mean_t) / std_t


def unnormalise(clips: Tensor, mean: Sequence[float], std: Sequence[float]) -> Tensor:
    """(B, T, 3, S, S) normalised -> the same frames in 0..1."""
    mean_t = torch.tensor(mean, dtype=clips.dtype, device=clips.device).view(3, 1, 1)
    std_t = torch.tensor(std, dtype=clips.dtype, device=clips.device).view(3, 1, 1)
    return clips * std_t + mean_t


def context_tokens(context: int, tubelet_size: int, grid: int) -> int:
    """Tokens of the first ``context`` frames: tokens run time-major, ``grid**2`` per tubelet.

    Example: C = 4, tubelet 2, 224 / 16 = 14: 2 * 196 = 392 tokens.
    """
    return context // tubelet_size * grid * grid


def window_l1(predicted: Tensor, target: Tensor) -> Tensor:
    """(B, N, D) and (B, N, D) -> (B,): mean absolute error over tokens and features."""
    return (predicted.float() - target.float()).abs().mean(dim=(1, 2))


def layer_norm_targets(hidden: Tensor) -> Tensor:
    """(B, N, D) target-encoder tokens normalised over D without affine (V-JEPA's targets)."""
    return F.layer_norm(hidden.float(), (hidden.shape[-1],))


def pixel_patches(clips01: Tensor, tubelet_size: int, patch_size: int, normalise: bool) -> Tensor:
    """VideoMAE's pixel targets: one row per token, per-patch normalised per channel.

    Tokens run (t, h, w); a row lists (frame in tubelet, row, column, channel), channel last,
    the layout VideoMAE's decoder predicts. Normalised rows (``norm_pix_loss``) subtract each
    channel's mean over the patch and divide by its unbiased standard deviation + 1e-6.

    Args:
        clips01: (B, T, 3, S, S) frames in 0..1.
        tubelet_size: frames per token.
        patch_size: pixels per token side.
        normalise: normalise each patch (the model was trained on normalised targets).

    Returns:
        (B, N, tubelet * patch * patch * 3), N = T / tubelet * (S / patch)**2.
    """
    patches = rearrange(
        clips01.float(),
        "b (t p0) c (h p1) (w p2) -> b (t h w) (p0 p1 p2) c",
        p0=tubelet_size,
        p1=patch_size,
        p2=patch_size,
    )
    if normalise:
        spread = patches.var(dim=-2, unbiased=True, keepdim=True).sqrt() + 1e-6
        patches = (patches - patches.mean(dim=-2, keepdim=True)) / spread
    return rearrange(patches, "b n p c -> b n (p c)")


def device_autocast(clips: Tensor) -> torch.autocast:
    """bf16 autocast on a GPU (the published run used fp16 autocast); float32 elsewhere."""
    on_gpu = clips.device.type == "cuda"
    return torch.autocast("cuda" if on_gpu else "cpu", dtype=torch.bfloat16, enabled=on_gpu)
