"""V-JEPA's window layout: fixed windows, the first C frames as context, the rest predicted.

Garrido et al. (2025, facebookresearch/jepa-intuitive-physics) sample every ``k``-th source
frame, cut the sampled movie into windows of ``L`` frames (16) that start every ``stride``
source frames, and let each context length C (2, 4, ..., 10) predict the remaining ``L - C``
frames of the *same* window; a window's surprise is the minimum over the context lengths.
This differs from :func:`physpred.eval.surprise.window_surprise`, where every context length
predicts the same M future frames. Pretrained scorers (:mod:`physpred.eval.hf`) use this layout.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import torch
from torch import Tensor

from physpred.data.clips import clip_span, sliding_windows


@runtime_checkable
class WindowScorer(Protocol):
    """A model scored on whole windows (V-JEPA 2, VideoMAE through ``transformers``).

    Attributes:
        window_frames: L, frames per window.
        tubelet_size: frames per token along time; context lengths must be multiples of it.
        input_size: side S of the frames the model takes.
    """

    window_frames: int
    tubelet_size: int
    input_size: int

    def preprocess(self, frames: Tensor) -> Tensor:
        """(T, 3, H, W) uint8 movie -> (T, 3, S, S) float, resized and normalised for the model."""
        ...

    def window_energies(self, clips: Tensor, contexts: Sequence[int]) -> Tensor:
        """(B, L, 3, S, S) preprocessed windows -> (len(contexts), B) surprise per context length."""
        ...


def protocol_windows(
    num_frames: int, window_frames: int, frame_step: int, stride: int
) -> list[list[int]]:
    """Source frames of every window, as the published code lays them out.

    The published code reads ``99 // k`` frames, every ``k``-th, of IntPhys's 100-frame movies
    (so frame 98 is never used at k = 2); this keeps the first ``(T - 1) // k`` sampled frames,
    the same rule for any length T.

    Example: T = 100, L = 16, k = 2, stride 4: 17 windows, the first 0, 2, ..., 30, the last
    64, 66, ..., 94 (stride 4 source frames = the paper's 2 sampled frames).
    """
    usable = frame_step * ((num_frames - 1) // frame_step)
    return sliding_windows(usable, window_frames, 0, frame_step, stride)


def check_contexts(contexts: Sequence[int], window_frames: int, tubelet_size: int) -> None:
    """Raise ValueError naming ``--context_frames`` unless every length fits the window's tokens."""
    if not contexts:
        raise ValueError("--context_frames needs at least one length")
    bad = [c for c in contexts if c % tubelet_size or not 0 < c < window_frames]
    if bad:
        raise ValueError(
            f"--context_frames {' '.join(map(str, bad))}: a context must be a multiple of the model's "
            f"tubelet size {tubelet_size} and shorter than its {window_frames}-frame window"
        )


def fixed_window_surprise(
    scorer: WindowScorer,
    frames: Tensor,
    frame_step: int,
    stride: int,
    batch_size: int,
    contexts: Sequence[int],
) -> tuple[Tensor, Tensor]:
    """Surprise of every window of one movie, minimised over the context lengths ("filtered").

    Args:
        scorer: a :class:`WindowScorer`.
        frames: (T, 3, H, W) uint8 movie as stored, on the scorer's device.
        frame_step: k, source frames between consecutive frames of a window.
        stride: source frames between the starts of consecutive windows.
        batch_size: windows per ``window_energies`` call.
        contexts: context lengths C (frames) to take the minimum over.

    Returns:
        energies (S,) float32 on the CPU, and future_start (S,) int64: the source frame from
        which every context length predicts (the window's frame number ``max(contexts)``).

    Raises:
        ValueError: the movie is shorter than one window, or a context length does not fit.
    """
    check_contexts(contexts, scorer.window_frames, scorer.tubelet_size)
    windows = torch.tensor(
        protocol_windows(len(frames), scorer.window_frames, frame_step, stride), dtype=torch.long
    )
    if len(windows) == 0:
        span = clip_span(scorer.window_frames, 0, frame_step)
        raise ValueError(
            f"a movie of {len(frames)} frames is shorter than one window of {span} frames "
            f"({scorer.window_frames} frames, frame step {frame_step}): lower --frame-step"
        )
    used = windows.unique()  # sorted source frames that some window reads
    local = torch.searchsorted(used, windows)  # (S, L) rows of `prepared`
    with torch.no_grad():
        prepared = scorer.preprocess(frames[used.to(frames.device)])  # (U, 3, S, S)
        energies = torch.cat(
            [
                scorer.window_energies(prepared[chunk.to(prepared.device)], contexts).float().cpu()
                for chunk in local.split(batch_size)
            ],
            dim=1,
        )  # (K, S)
    return energies.amin(dim=0), windows[:, max(contexts)].clone()
