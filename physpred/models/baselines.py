"""The copy-last-frame control scorer for the probes (the untrained control is
``physpred.models.untrained_like``).

A control that scores well above chance on a probe set means the probes leak their answer
(README, "Read every result against the controls").
"""

from __future__ import annotations

from torch import Tensor, nn

from physpred.data.transforms import normalize_frames
from physpred.models.energy import ZChoice
from physpred.types import ClipGeometry


class CopyLastPredictor(nn.Module):
    """Predicts that every future frame repeats the last context frame; pixel L2 energy.

    It has no parameters and no latent, and accepts any number of context frames.

    Args:
        geometry: the clips it is asked to score (its C is the default context length).
    """

    def __init__(self, *, geometry: ClipGeometry) -> None:
        super().__init__()
        self.geometry = geometry

    def free_energy(self, context: Tensor, future: Tensor, z: Tensor | ZChoice = "infer") -> Tensor:
        """Mean squared pixel error (frames in [-1, 1]) of repeating the last context frame.

        Args:
            context: (B, C, 3, H, W) uint8.
            future: (B, M, 3, H, W) uint8.
            z: ignored (no latent).

        Returns:
            (B,) energies.
        """
        last = normalize_frames(context[:, -1:])  # (B, 1, 3, H, W)
        return (normalize_frames(future) - last).pow(2).mean(dim=(1, 2, 3, 4))

    def predict_frames(self, context: Tensor, z: Tensor | None = None) -> Tensor:
        """What it predicts, as frames: (B, C, 3, H, W) uint8 -> the last frame (B, M, 3, H, W)."""
        last = context[:, -1:]
        return last.expand(-1, self.geometry.future_frames, *last.shape[2:])
