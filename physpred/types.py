"""Types that cross module boundaries, and the shape-letter glossary.

Shape letters used in docstrings and ``# (B, T, C, H, W)`` comments throughout physpred:

- B batch, T time (frames), C channels (3, RGB), H height, W width
- K candidate futures, S sliding windows, N tokens, D feature width, Z latent size
- context frames are the first ``context_frames`` of a clip, future frames the next
  ``future_frames``; frames inside a clip are ``frame_step`` source frames apart.

Frames travel as ``uint8`` tensors laid out (T, C, H, W) per video and (B, T, C, H, W) per
batch; models convert to float and normalise themselves, so every caller can hand them
decoded frames as they come.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor


@dataclass
class ProbeMovie:
    """One movie of a violation-of-expectation probe set.

    Attributes:
        video: id of the movie, its path relative to the probe root (``"O1/01/3"``).
        block: the block it belongs to (``"O1"``).
        scene: id of its quadruplet / scene (``"O1/01"``).
        is_possible: the label, or None where the set does not say (a test set).
        frames: (T, C, H, W) uint8.
    """

    video: str
    block: str
    scene: str
    is_possible: bool | None
    frames: Tensor
