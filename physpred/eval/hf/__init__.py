"""Pretrained video models from ``transformers``, scored with V-JEPA's intuitive-physics protocol.

- :mod:`physpred.eval.hf.protocol`: the protocol's arithmetic (resize, tokens, targets, L1).
- :mod:`physpred.eval.hf.loading`: strict loading from a local folder, or an untrained twin.
- :mod:`physpred.eval.hf.vjepa2`, :mod:`physpred.eval.hf.videomae`: the two scorers.

Importing this package imports torch but not ``transformers``; :func:`load_scorer` does, so
``physpred probe --help`` stays fast and physpred works without the ``hf`` extra.
"""

from __future__ import annotations

from pathlib import Path

from torch import nn

from physpred.eval.hf.loading import Kind, load_model
from physpred.eval.hf.videomae import VideoMAEScorer
from physpred.eval.hf.vjepa2 import VJEPA2Scorer

SCORERS: tuple[Kind, ...] = ("vjepa2", "videomae")


def load_scorer(
    kind: Kind, folder: Path, *, untrained: bool = False, seed: int = 0, window_frames: int = 16
) -> nn.Module:
    """The scorer of ``kind`` over the model in ``folder`` (see :func:`load_model`).

    ``window_frames``: frames per window of V-JEPA 2 (rotary positions take any length);
    VideoMAE's fixed position embeddings keep its own.
    """
    model, pixels = load_model(kind, folder, untrained=untrained, seed=seed)
    if kind == "vjepa2":
        return VJEPA2Scorer(model=model, pixels=pixels, window_frames=window_frames)
    return VideoMAEScorer(model=model, pixels=pixels)


__all__ = ["SCORERS", "VJEPA2Scorer", "VideoMAEScorer", "load_model", "load_scorer"]
