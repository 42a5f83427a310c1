"""Sliding-window surprise with a fake scorer, and the copy-last control, by hand."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor, nn

from physpred.eval.surprise import window_surprise
from physpred.models import CopyLastPredictor
from physpred.types import ClipGeometry


class FakeScorer(nn.Module):
    """Energy = value of the first future frame / context length; records its calls."""

    def __init__(
        self, context_frames: int, future_frames: int, strict_context: bool = False
    ) -> None:
        super().__init__()
        self.geometry = ClipGeometry(context_frames=context_frames, future_frames=future_frames, frame_step=1, frame_size=4)
        self.strict_context = strict_context
        self.calls: list[tuple[int, int, str]] = []  # (batch, context length, z)

    def free_energy(self, context: Tensor, future: Tensor, z: str = "infer") -> Tensor:
        if self.strict_context and context.shape[1] != self.geometry.context_frames:
            raise RuntimeError("shape mismatch in the positional embedding")
        self.calls.append((context.shape[0], context.shape[1], z))
        return future[:, 0, 0, 0, 0].float() / context.shape[1]


def ramp(num_frames: int) -> Tensor:
    """(T, 3, 4, 4) uint8 whose frame t is filled with the value t."""
    return torch.arange(num_frames, dtype=torch.uint8).view(-1, 1, 1, 1).expand(-1, 3, 4, 4).clone()


def test_windows_start_every_stride_and_report_future_starts() -> None:
    # C=2, M=1, k=2 spans 5 frames; starts 0, 3 fit in 10 frames: futures at 4 and 7
    scorer = FakeScorer(context_frames=2, future_frames=1)
    energies, future_start = window_surprise(scorer, ramp(10), 2, 3, 8, "prior")
    assert future_start.tolist() == [4, 7]
    assert energies.tolist() == [2.0, 3.5]
    assert scorer.calls == [(2, 2, "prior")]


def test_windows_are_batched() -> None:
    scorer = FakeScorer(context_frames=1, future_frames=1)
    energies, future_start = window_surprise(scorer, ramp(8), 1, 1, 3, "infer")
    assert future_start.tolist() == list(range(1, 8))
    assert [batch for batch, _, _ in scorer.calls] == [3, 3, 1]
    assert energies.tolist() == [float(t) for t in range(1, 8)]


def test_several_contexts_share_futures_and_take_the_minimum() -> None:
    scorer = FakeScorer(context_frames=2, future_frames=1)
    energies, future_start = window_surprise(scorer, ramp(6), 1, 1, 16, "infer", contexts=[1, 3])
    assert future_start.tolist() == [3, 4, 5]  # laid out for the longest context (3)
    assert energies.tolist() == pytest.approx([1.0, 4 / 3, 5 / 3])  # value / 3 < value / 1
    assert sorted(length for _, length, _ in scorer.calls) == [1, 3]


def test_short_movie_and_fixed_context_models_fail_clearly() -> None:
    with pytest.raises(ValueError, match="shorter than one window of 5 frames"):
        window_surprise(FakeScorer(2, 1), ramp(4), 2, 1, 8, "infer")
    with pytest.raises(ValueError, match="built for 2 context frames and cannot score 3"):
        window_surprise(FakeScorer(2, 1, strict_context=True), ramp(9), 1, 1, 8, "infer", [2, 3])


def test_copy_last_is_pixel_l2_against_the_last_context_frame() -> None:
    frames = torch.zeros(6, 3, 4, 4, dtype=torch.uint8)
    frames[4:] = 255  # a jump from -1 to +1 after normalisation: squared error 4
    scorer = CopyLastPredictor(geometry=ClipGeometry(context_frames=2, future_frames=2, frame_step=1, frame_size=4))
    energies, future_start = window_surprise(scorer, frames, 1, 1, 4, "infer")
    # windows [0,1 | 2,3] [1,2 | 3,4] [2,3 | 4,5]: futures differ from the last context frame
    # in 0, 1 and 2 of their 2 frames
    assert future_start.tolist() == [2, 3, 4]
    assert energies.tolist() == pytest.approx([0.0, 2.0, 4.0])
    context_longer = window_surprise(scorer, frames, 1, 1, 4, "infer", contexts=[3])[0]
    assert context_longer.tolist() == pytest.approx([2.0, 4.0])  # any context length works


def test_the_prior_energy_from_the_inference_pass_equals_a_second_pass() -> None:
    from physpred import models
    from physpred.eval.surprise import window_surprise_with_prior

    torch.manual_seed(0)
    model = models.EnergyModel(
        encoder=models.ConvEncoder(widths=(8, 16), dim=16, groups=4),
        predictor=models.ConvPredictor(
            dim=16, context_frames=2, future_frames=1, latent_dim=2, width=32, dilations=(1, 2), groups=4
        ),
        latent=models.LatentVariable(dim=2, context_dim=16, target_dim=48, hidden=16, weight=0.1, refine_steps=2),
        target=models.PixelTarget(dim=16, patch_size=4),
        distance=models.L2Distance(),
        geometry=ClipGeometry(context_frames=2, future_frames=1, frame_step=1, frame_size=16),
    ).eval()
    frames = torch.randint(0, 256, (9, 3, 16, 16), dtype=torch.uint8, generator=torch.Generator().manual_seed(1))
    infer, prior, future_start = window_surprise_with_prior(model, frames, 1, 2, 3)
    assert torch.equal(infer, window_surprise(model, frames, 1, 2, 3, "infer")[0])
    assert torch.equal(prior, window_surprise(model, frames, 1, 2, 3, "prior")[0])
    assert future_start.tolist() == [2, 4, 6, 8] and not torch.equal(infer, prior)


def test_a_scorer_without_free_energies_is_called_for_both() -> None:
    from physpred.eval.surprise import window_surprise_with_prior

    scorer = FakeScorer(context_frames=2, future_frames=1)
    infer, prior, _ = window_surprise_with_prior(scorer, ramp(6), 1, 1, 8)
    assert [z for _, _, z in scorer.calls] == ["infer", "prior"] and torch.equal(infer, prior)
