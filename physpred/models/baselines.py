"""Control scorers for the probes: copy-last-frame and an untrained network.

A control that scores well above chance on a probe set means the probes leak their answer
(see DESIGN.md, "Why surprise is hard to get right").
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import Literal

import torch
from torch import Tensor, nn

from physpred.data.transforms import normalize_frames


class CopyLastPredictor(nn.Module):
    """Predicts that every future frame repeats the last context frame; pixel L2 energy.

    It has no parameters and no latent, and accepts any number of context frames.

    Args:
        context_frames: C, the default context length callers use.
        future_frames: M.
        frame_size: side of the square frames it expects.
        frame_step: source frames between consecutive frames (informational).
    """

    def __init__(
        self, context_frames: int, future_frames: int, frame_size: int, frame_step: int
    ) -> None:
        super().__init__()
        self.context_frames = context_frames
        self.future_frames = future_frames
        self.frame_size = frame_size
        self.frame_step = frame_step

    def free_energy(
        self, context: Tensor, future: Tensor, latent: Literal["infer", "prior"] = "infer"
    ) -> Tensor:
        """Mean squared pixel error (frames in [-1, 1]) of repeating the last context frame.

        Args:
            context: (B, C, 3, H, W) uint8.
            future: (B, M, 3, H, W) uint8.
            latent: ignored (no latent).

        Returns:
            (B,) energies.
        """
        last = normalize_frames(context[:, -1:])  # (B, 1, 3, H, W)
        return (normalize_frames(future) - last).pow(2).mean(dim=(1, 2, 3, 4))


def untrained_like(checkpoint: str | Path, seed: int) -> nn.Module:
    """A freshly initialised network of the configuration saved in a checkpoint.

    The checkpoint is loaded the usual way (``load_from_checkpoint`` builds the network from
    its saved hyper-parameters) but with its weights left out, so the network keeps its
    seeded random initial weights.

    Args:
        checkpoint: Lightning checkpoint written by ``physpred fit``.
        seed: seed of the initialisation (the global random state is left untouched).

    Returns:
        the module in eval mode.
    """
    from physpred.lit import FuturePredictionModule

    saved = torch.load(checkpoint, map_location="cpu", weights_only=False)
    saved["state_dict"] = {}
    buffer = io.BytesIO()
    torch.save(saved, buffer)
    buffer.seek(0)
    with torch.random.fork_rng(devices=[]), warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Found keys that are in the model state dict")
        warnings.filterwarnings("ignore", "The state dict in .* contains no parameters")
        torch.manual_seed(seed)
        module = FuturePredictionModule.load_from_checkpoint(
            buffer, map_location="cpu", strict=False
        )
    return module.eval()
