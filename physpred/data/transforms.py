"""Frame normalisation, resizing, and video augmentation."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def normalize_frames(frames: Tensor) -> Tensor:
    """Map uint8 frames to float32 in [-1, 1].

    Args:
        frames: uint8 (..., C, H, W).

    Returns:
        float32 tensor of the same shape.
    """
    if frames.dtype != torch.uint8:
        raise TypeError(f"normalize_frames expects uint8 frames, got {frames.dtype}")
    return frames.float().div_(127.5).sub_(1.0)


def to_uint8_frames(frames: Tensor) -> Tensor:
    """Map float frames in [-1, 1] (the inverse of ``normalize_frames``) back to uint8.

    Args:
        frames: float (..., C, H, W) in [-1, 1]; values outside are clipped.

    Returns:
        uint8 tensor of the same shape.
    """
    return ((frames.detach().float().clamp(-1.0, 1.0) + 1.0) * 127.5).round().to(torch.uint8)


def resize_center_crop(frames: Tensor, size: int) -> Tensor:
    """Resize so the shorter side is ``size`` (antialiased bilinear), then crop the centre square.

    Args:
        frames: uint8 (T, C, H, W).
        size: output side S.

    Returns:
        uint8 (T, C, S, S); ``frames`` itself when already S x S.
    """
    height, width = frames.shape[-2:]
    if (height, width) == (size, size):
        return frames
    new_h, new_w, top, left = _resize_and_crop(height, width, size)
    resized = F.interpolate(
        frames.float(), size=(new_h, new_w), mode="bilinear", antialias=True, align_corners=False
    )
    cropped = resized[..., top : top + size, left : left + size]
    return cropped.round_().clamp_(0, 255).to(torch.uint8)


def resize_center_crop_masks(masks: Tensor, size: int) -> Tensor:
    """Instance masks resized and cropped as :func:`resize_center_crop` does their frames, but
    nearest-neighbour (at pixel centres), so every pixel keeps an id that was there.

    Args:
        masks: uint8 (T, H, W).
        size: output side S.

    Returns:
        uint8 (T, S, S); ``masks`` itself when already S x S.
    """
    height, width = masks.shape[-2:]
    if (height, width) == (size, size):
        return masks
    new_h, new_w, top, left = _resize_and_crop(height, width, size)
    resized = F.interpolate(masks[:, None], size=(new_h, new_w), mode="nearest-exact")[:, 0]
    return resized[..., top : top + size, left : left + size].contiguous()


def _resize_and_crop(height: int, width: int, size: int) -> tuple[int, int, int, int]:
    """Size (new_h, new_w) that makes the shorter side ``size``, and the (top, left) corner of
    the centre square."""
    scale = size / min(height, width)
    new_h, new_w = max(size, round(height * scale)), max(size, round(width * scale))
    return new_h, new_w, (new_h - size) // 2, (new_w - size) // 2


class VideoAugmentation(nn.Module):
    """Random flips, crops and colour changes drawn once per clip and applied to all its frames.

    There is no vertical flip: it would make things fall upwards. Crops keep the aspect ratio
    (round things stay round) and are resized back to the input size. The colour changes are
    the look's breadth (domain randomisation): with ``channel_shuffle`` 1 and ``invert`` 0.5 a
    clip comes in any channel order and either lightness order (a light sky or a dark one), so
    the palette carries no physics. A hue shift goes through HSV: on a CPU it costs more than
    the rest of the pipeline together.

    Args:
        hflip: mirror left-right with probability ``p``.
        crop_scale: (min, max) area fraction of a random square crop, applied with probability
            ``p``; (1.0, 1.0) disables it.
        color_jitter: strength of brightness/contrast/saturation jitter, applied with
            probability ``p``; 0 disables it (and the hue shift with it).
        hue: largest hue shift of the jitter, as a fraction of the colour circle (0.5: any hue);
            None for a quarter of ``color_jitter``.
        channel_shuffle: probability of a random permutation of the RGB channels.
        invert: probability of the negative (255 - colour).
        p: probability of the flip, the crop and the jitter per clip.
    """

    def __init__(
        self,
        hflip: bool = True,
        crop_scale: tuple[float, float] = (0.85, 1.0),
        color_jitter: float = 0.1,
        hue: float | None = None,
        channel_shuffle: float = 0.0,
        invert: float = 0.0,
        p: float = 0.5,
    ) -> None:
        super().__init__()
        if not 0 < crop_scale[0] <= crop_scale[1] <= 1:
            raise ValueError(f"crop_scale must satisfy 0 < min <= max <= 1, got {crop_scale}")
        if hue is not None and not 0 <= hue <= 0.5:
            raise ValueError(f"hue is a fraction of the colour circle: in [0, 0.5], got {hue}")
        for name, value in (("channel_shuffle", channel_shuffle), ("invert", invert), ("p", p)):
            if not 0 <= value <= 1:
                raise ValueError(f"{name} is a probability: it must be in [0, 1], got {value}")
        self.hflip, self.crop_scale, self.color_jitter, self.p = hflip, crop_scale, color_jitter, p
        self.hue = min(color_jitter / 4, 0.5) if hue is None else hue
        self.channel_shuffle, self.invert = channel_shuffle, invert
        self._pipelines: dict[tuple[int, int], nn.Module | None] = {}
        self._masked_pipelines: dict[tuple[int, int], nn.Module | None] = {}

    def forward(self, clips: Tensor) -> Tensor:
        """Augment a batch of clips.

        Args:
            clips: uint8 (B, T, C, H, W).

        Returns:
            uint8 (B, T, C, H, W), the same parameters on every frame of a clip.
        """
        if clips.dtype != torch.uint8:
            raise TypeError(f"VideoAugmentation expects uint8 clips, got {clips.dtype}")
        pipeline = self._pipeline(tuple(clips.shape[-2:]))
        if pipeline is None:
            return clips
        out = pipeline(clips.float().div_(255.0))
        return out.mul_(255.0).round_().clamp_(0, 255).to(torch.uint8)

    def with_masks(self, clips: Tensor, masks: Tensor) -> tuple[Tensor, Tensor]:
        """Augment a batch of clips and move their instance masks with them.

        Flips and crops apply to the masks too (nearest-neighbour, so ids stay ids); colour
        changes do not.

        Args:
            clips: uint8 (B, T, C, H, W).
            masks: uint8 (B, T, H, W).

        Returns:
            uint8 (B, T, C, H, W) and (B, T, H, W).
        """
        if clips.dtype != torch.uint8 or masks.dtype != torch.uint8:
            raise TypeError(
                f"VideoAugmentation expects uint8 clips and masks, got {clips.dtype}, {masks.dtype}"
            )
        size = tuple(clips.shape[-2:])
        if size not in self._masked_pipelines:
            import kornia.augmentation as K

            video = self._pipeline(size)
            self._masked_pipelines[size] = (
                None
                if video is None
                else K.AugmentationSequential(video, data_keys=["input", "mask"])
            )
        pipeline = self._masked_pipelines[size]
        if pipeline is None:
            return clips, masks
        out, moved = pipeline(clips.float().div_(255.0), masks[:, :, None].float())
        frames = out.mul_(255.0).round_().clamp_(0, 255).to(torch.uint8)
        return frames, moved[:, :, 0].round_().to(torch.uint8)

    def _pipeline(self, size: tuple[int, int]) -> nn.Module | None:
        """The kornia pipeline for frames of ``size`` (built once; kornia imported lazily)."""
        if size not in self._pipelines:
            import kornia.augmentation as K

            ops: list[nn.Module] = []
            if self.hflip:
                ops.append(K.RandomHorizontalFlip(p=self.p))
            if self.crop_scale != (1.0, 1.0):
                ops.append(
                    K.RandomResizedCrop(size, scale=self.crop_scale, ratio=(1.0, 1.0), p=self.p)
                )
            if self.color_jitter > 0:
                j = self.color_jitter
                ops.append(K.ColorJitter(j, j, j, self.hue, p=self.p))
            if self.channel_shuffle > 0:
                ops.append(K.RandomChannelShuffle(p=self.channel_shuffle))
            if self.invert > 0:
                ops.append(K.RandomInvert(p=self.invert))
            self._pipelines[size] = (
                K.VideoSequential(*ops, data_format="BTCHW", same_on_frame=True) if ops else None
            )
        return self._pipelines[size]
