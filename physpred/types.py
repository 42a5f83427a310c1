"""Types that cross module boundaries, and the shape-letter glossary.

Shape letters used in docstrings and ``# (B, T, C, H, W)`` comments throughout physpred:

- B batch, T time (frames), C channels (3, RGB), H height, W width
- K candidate futures, S sliding windows, N tokens, D feature width, Z latent size
- context frames are the first ``context_frames`` of a clip, future frames the next
  ``future_frames``; frames inside a clip are ``frame_step`` source frames apart.

Frames travel as ``uint8`` tensors laid out (T, C, H, W) per video and (B, T, C, H, W) per
batch; models convert to float and normalise themselves, so every caller can hand them
decoded frames as they come. Instance masks, where a data set has them, travel beside the
frames as ``uint8`` (T, H, W) ids (0 the background) with a ``kinds`` table (256,) uint8 saying
what each id is: :data:`KIND_BACKGROUND`, :data:`KIND_OBJECT`, :data:`KIND_SCREEN`,
:data:`KIND_WALL`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import NamedTuple

from torch import Tensor

KIND_BACKGROUND, KIND_OBJECT, KIND_SCREEN, KIND_WALL = 0, 1, 2, 3
"""What a mask id is (``kinds[id]``): background or unknown, a moving object, a screen
(occluder), a wall (any solid slab: wall, pedestal, step, ramp)."""


@dataclass(frozen=True)
class ClipGeometry:
    """What a clip is: C context frames, then M future frames, ``frame_step`` source frames
    apart, each ``frame_size`` pixels square.

    Declared once by the data (``VideoDataModule.geometry``), linked to the model by the CLI,
    saved in its checkpoint and read back by everything that scores or draws the model.

    Attributes:
        context_frames: C.
        future_frames: M.
        frame_step: source frames between consecutive frames of a clip.
        frame_size: S, the side of the (square) frames.
    """

    context_frames: int
    future_frames: int
    frame_step: int
    frame_size: int

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"clip geometry: {field.name} must be an integer >= 1, got {value!r}")

    @property
    def clip_frames(self) -> int:
        """C + M, the frames of one training clip."""
        return self.context_frames + self.future_frames

    def as_dict(self) -> dict[str, int]:
        """Plain ``{name: value}`` (what a checkpoint stores)."""
        return asdict(self)


class MaskedClip(NamedTuple):
    """A training clip with its instance masks (``data.masks: true``).

    A NamedTuple, so torch's default collate stacks a batch field by field: ``frames``
    (B, T, 3, S, S), ``masks`` (B, T, S, S), ``kinds`` (B, 256).

    Attributes:
        frames: (T, 3, S, S) uint8.
        masks: (T, S, S) uint8 ids of the same frames, resized and cropped like them.
        kinds: (256,) uint8, ``kinds[id]`` what id is (:data:`KIND_OBJECT`, ...).
    """

    frames: Tensor
    masks: Tensor
    kinds: Tensor


@dataclass
class ProbeMovie:
    """One movie of a violation-of-expectation probe set.

    Attributes:
        video: id of the movie, its path relative to the probe root (``"O1/01/3"``).
        block: the block it belongs to (``"O1"``).
        scene: id of its quadruplet / scene (``"O1/01"``).
        is_possible: the label, or None where the set does not say (a test set).
        frames: (T, C, H, W) uint8.
        masks: (T, H, W) uint8 instance masks of the same frames where the movie has them
            (a ``masks/`` folder), else None.
        kinds: (256,) uint8, what each mask id is (all 0 where the set names none); None
            without masks.
    """

    video: str
    block: str
    scene: str
    is_possible: bool | None
    frames: Tensor
    masks: Tensor | None = None
    kinds: Tensor | None = None
