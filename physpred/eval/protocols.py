"""The published surprise protocol of each benchmark: frame step, window and context lengths.

These are the defaults of a pretrained window scorer (``physpred probe --scorer``); a flag
given on the command line wins. Each number is read from the configuration the published
evaluation ran with (files named in ``source``); ``stride_in_steps`` is its
``stride_sliding_window``, counted in sampled frames.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Protocol:
    """One benchmark's evaluation settings.

    Attributes:
        frame_step: k, source frames between sampled frames (``frame_steps``).
        window_frames: L, sampled frames per window (``frames_per_clip``).
        context: context lengths C the window surprise is minimised over (``context_lengths``).
        stride_in_steps: sampled frames between window starts (``stride_sliding_window``).
        source: where the numbers come from.
    """

    frame_step: int
    window_frames: int
    context: tuple[int, ...]
    stride_in_steps: int
    source: str


_JEPA = "facebookresearch/jepa-intuitive-physics evaluation_code/evals/intuitive_physics/configs/"
INTPHYS = Protocol(2, 16, (2, 4, 6, 8, 10), 2, _JEPA + "default_intphys.yaml")
PROTOCOLS = {
    "intphys": INTPHYS,
    "csv": INTPHYS,  # a user's own movies: IntPhys's settings until they say otherwise
    "grasp": Protocol(10, 16, (2, 4, 6, 8, 10), 2, _JEPA + "default_grasp.yaml"),
    "inflevel": Protocol(5, 32, (4, 8, 12, 16, 20), 2, _JEPA + "default_inflevel.yaml"),
    "intphys2": Protocol(
        10,
        48,
        (12, 18, 24, 30, 36, 42),
        2,
        "facebookresearch/IntPhys2 prediction_evals/evals/intphys2/configs/vjepa_2.yaml",
    ),
}


def fitting_contexts(protocol: Protocol, window_frames: int, tubelet_size: int) -> list[int]:
    """The protocol's context lengths a scorer with a fixed window can take (VideoMAE: 16).

    Example: InfLevel's 4, 8, 12, 16, 20 in a 16-frame window -> 4, 8, 12.
    """
    return [c for c in protocol.context if c < window_frames and c % tubelet_size == 0]
