"""Surprise of a movie: a scorer's free energy over sliding windows.

A window holds C context frames then M future frames, ``frame_step`` source frames apart;
windows start every ``stride`` source frames. With several context lengths the windows share
their future frames (they are laid out for the longest context and the shorter ones keep its
last frames), and a window's surprise is the minimum over the context lengths. A movie's
score is the mean or the max over its windows (:class:`physpred.eval.runner.MovieSurprise`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

import torch
from torch import Tensor

from physpred.data.clips import clip_span, sliding_windows
from physpred.models.energy import ZChoice
from physpred.types import ClipGeometry


class Scorer(Protocol):
    """What surprise needs from a model (``EnergyModel``, ``CopyLastPredictor``)."""

    geometry: ClipGeometry

    def free_energy(self, context: Tensor, future: Tensor, z: ZChoice = "infer") -> Tensor:
        """(B, C, 3, H, W) and (B, M, 3, H, W) uint8 -> (B,) free energy (z passed by position)."""
        ...


@runtime_checkable
class MovieScorer(Protocol):
    """A model that carries a state through the whole movie (``ObjectEnergyModel``): it scores
    each frame given every frame before it, instead of sliding windows."""

    geometry: ClipGeometry

    def movie_energies(
        self, frames: Tensor, masks: Tensor | None, kinds: Tensor | None, frame_step: int
    ) -> tuple[Tensor, Tensor]:
        """(T, 3, H, W) uint8 movie (+ masks, kinds) -> energies (S,) and the source frame (S,)
        each one scores."""
        ...


def window_surprise(
    scorer: Scorer,
    frames: Tensor,
    frame_step: int,
    stride: int,
    batch_size: int,
    z: ZChoice,
    contexts: Sequence[int] | None = None,
) -> tuple[Tensor, Tensor]:
    """Free energy of every sliding window of one movie.

    Args:
        scorer: model with ``free_energy``; its geometry's ``future_frames`` sets M.
        frames: (T, 3, H, W) uint8 movie, on the scorer's device, at its frame size.
        frame_step: source frames between consecutive frames of a window.
        stride: source frames between the starts of consecutive windows.
        batch_size: windows per ``free_energy`` call.
        z: ``"infer"`` (minimise over z) or ``"prior"`` (z = 0).
        contexts: context lengths to take the minimum over; ``None`` uses the scorer's own.

    Returns:
        energies (S,) float32 on the CPU, and future_start (S,) int64: the source frame at
        which each window's future begins.

    Raises:
        ValueError: the movie is shorter than one window, or the scorer rejects a context
            length it was not built for.
    """
    def energy(past: Tensor, future: Tensor) -> Tensor:
        return scorer.free_energy(past, future, z)[None]

    energies, future_start = _surprise(scorer, frames, frame_step, stride, batch_size, contexts, energy)
    return energies[0], future_start


def window_surprise_with_prior(
    scorer: Scorer,
    frames: Tensor,
    frame_step: int,
    stride: int,
    batch_size: int,
    contexts: Sequence[int] | None = None,
) -> tuple[Tensor, Tensor, Tensor]:
    """Free energy of every window with inferred z and at z = 0, each window scored once.

    A scorer with ``free_energies`` (``EnergyModel``) gives both from one encoding and the
    z = 0 prediction that inference starts from; any other scorer is called twice. Arguments
    as :func:`window_surprise`.

    Returns:
        energies (S,) with inferred z, energies (S,) at z = 0, and future_start (S,).
    """
    both = getattr(scorer, "free_energies", None)

    def energy(past: Tensor, future: Tensor) -> Tensor:
        if both is not None:
            return torch.stack(both(past, future))
        return torch.stack([scorer.free_energy(past, future, z) for z in ("infer", "prior")])

    energies, future_start = _surprise(scorer, frames, frame_step, stride, batch_size, contexts, energy)
    return energies[0], energies[1], future_start


def _surprise(
    scorer: Scorer,
    frames: Tensor,
    frame_step: int,
    stride: int,
    batch_size: int,
    contexts: Sequence[int] | None,
    energy: Callable[[Tensor, Tensor], Tensor],
) -> tuple[Tensor, Tensor]:
    """(K, S) energies of ``energy`` (past, future -> (K, B)), minimised over the context
    lengths, and future_start (S,)."""
    lengths = list(contexts or [scorer.geometry.context_frames])
    longest, future = max(lengths), scorer.geometry.future_frames
    windows = torch.tensor(sliding_windows(len(frames), longest, future, frame_step, stride))
    if len(windows) == 0:
        span = clip_span(longest, future, frame_step)
        raise ValueError(
            f"a movie of {len(frames)} frames is shorter than one window of {span} frames "
            f"(context {longest} + future {future}, frame step {frame_step}): "
            "lower --context or --frame-step"
        )
    energies = torch.stack(
        [_energies(scorer, frames, windows, c, batch_size, energy) for c in lengths]
    )  # (contexts, K, S)
    return energies.amin(dim=0), windows[:, longest].clone()


def _energies(
    scorer: Scorer,
    frames: Tensor,
    windows: Tensor,
    context: int,
    batch_size: int,
    energy: Callable[[Tensor, Tensor], Tensor],
) -> Tensor:
    """(K, S) energies of the windows (S, C_max + M) using their last ``context`` context frames."""
    longest = windows.shape[1] - scorer.geometry.future_frames
    own = scorer.geometry.context_frames
    out = []
    with torch.no_grad():
        for chunk in windows.split(batch_size):
            clips = frames[chunk.to(frames.device)]  # (B, C_max + M, 3, H, W)
            past, future = clips[:, longest - context : longest], clips[:, longest:]
            try:
                out.append(energy(past, future).float().cpu())
            except (RuntimeError, ValueError) as err:
                if context == own:
                    raise
                raise ValueError(
                    f"the model was built for {own} context frames and cannot "
                    f"score {context}: use --context {own} ({err})"
                ) from err
    return torch.cat(out, dim=1)
