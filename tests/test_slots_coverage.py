"""keep_covered: an object slot's blended rim cut to the pixels its thing covers at least ``share``
of. By hand (the rim, the thing's own difference off the rim or, all rim, its largest), then on a
disc rendered at 8 x 8 samples per pixel, whose kept pixels are those it covers at least half of,
and through ForegroundPerception(rim_coverage), where the disc's features read it as small and round
as it is while its slot keeps the rim."""

from __future__ import annotations

import math

import pytest
import torch

from physpred.models.slots import ForegroundPerception
from physpred.models.slots.coverage import keep_covered, rim
from physpred.models.slots.features import FEATURES


def test_the_rim_is_what_touches_another_slot_nothing_or_the_frames_edge() -> None:
    slot_map = torch.tensor([[[[1, 1, 1, 0], [1, 1, 1, 0], [1, 1, 1, 2], [1, 1, 1, 2]]]])  # (1, 1, 4, 4)
    assert rim(slot_map)[0, 0].tolist() == [
        [True, True, True, True],
        [True, False, True, True],
        [True, False, True, True],
        [True, True, True, True],
    ]


def test_a_rim_pixel_under_share_of_the_things_own_difference_is_dropped() -> None:
    # slot 1: a 3 x 3 thing with one pixel off its rim (difference 100); slot 2: a line, all rim
    # (largest difference 80); slot 3 static, untouched
    difference = torch.tensor(
        [
            [60, 40, 70, 0, 80, 30, 10],
            [55, 100, 45, 0, 50, 39, 10],
            [90, 49, 51, 0, 0, 0, 10],
        ],
        dtype=torch.float,
    )
    slot_map = torch.tensor([[1, 1, 1, 0, 2, 2, 3], [1, 1, 1, 0, 2, 2, 3], [1, 1, 1, 0, 0, 0, 3]])[None, None]
    background = torch.full((1, 3, 3, 7), 20.0)
    frames = (background + difference)[:, None].to(torch.uint8)
    kept = keep_covered(slot_map, frames, background, slots=2, share=0.5)
    assert kept[0, 0].tolist() == [[1, 0, 1, 0, 2, 0, 3], [1, 1, 0, 0, 2, 0, 3], [1, 0, 1, 0, 0, 0, 3]]


def _disc(centre: tuple[float, float], radius: float, size: int = 24, samples: int = 8) -> torch.Tensor:
    """(size, size) the share of each pixel a disc covers, from samples x samples points per pixel."""
    offsets = (torch.arange(samples) + 0.5) / samples
    points = torch.arange(size)[:, None] + offsets[None, :]  # (size, samples)
    ys, xs = points.flatten()[:, None], points.flatten()[None, :]
    inside = ((xs - centre[0]) ** 2 + (ys - centre[1]) ** 2 <= radius**2).float()
    return inside.view(size, samples, size, samples).mean(dim=(1, 3))


def _frames(coverage: torch.Tensor, thing: float = 220.0, behind: float = 40.0) -> torch.Tensor:
    """(T, H, W) coverage -> (1, T, 3, H, W) uint8, a thing of one colour blended into a plain background."""
    frame = behind + (thing - behind) * coverage
    return frame.round().to(torch.uint8)[None, :, None].expand(-1, -1, 3, -1, -1).contiguous()


def test_a_rendered_disc_keeps_the_pixels_it_covers_at_least_half_of() -> None:
    coverage = _disc((11.3, 12.6), 3.6)
    frames = _frames(coverage[None])
    slot_map = (coverage > 0.05).long()[None, None]  # every pixel the foreground test would keep at 0.05
    kept = keep_covered(slot_map, frames, torch.full((1, 3, 24, 24), 40.0), slots=1, share=0.5)
    assert torch.equal(kept[0, 0] == 1, coverage >= 0.5)
    assert (coverage > 0.05).sum() > (coverage >= 0.5).sum() + 8  # the rim the test drops is real


def test_the_perception_reads_a_rendered_ball_as_round_and_as_large_as_it_is() -> None:
    radius, steps = 3.6, 18  # the disc covers each pixel in a few frames: the clip's median is the background
    coverage = torch.stack([_disc((5.3 + 2.1 * t, 12.6), radius, size=48) for t in range(steps)])
    frames = _frames(coverage)
    options = dict(slots=1, threshold=0.05, min_area=4)
    size, fill = FEATURES.index("size"), FEATURES.index("fill")
    plain = ForegroundPerception(**options)(frames).features[0, :, 0]
    covered = ForegroundPerception(**options, rim_coverage=0.5)(frames).features[0, :, 0]
    true_size = math.sqrt(math.pi) * radius / 48
    assert (plain[:, 0] == 1).all() and (covered[:, 0] == 1).all()
    assert (covered[:, size] - true_size).abs().max() < (plain[:, size] - true_size).abs().min()
    assert (covered[:, fill] - math.pi / 4).abs().max() < 0.08 < (plain[:, fill] - math.pi / 4).abs().max()
    slot_map = ForegroundPerception(**options, rim_coverage=0.5).slot_map(frames)
    assert torch.equal(slot_map, ForegroundPerception(**options).slot_map(frames))  # FG-ARI sees the whole slot
    assert ((slot_map[0] == 1) & (coverage < 0.5)).any()


def test_a_bad_rim_coverage_is_refused_with_the_option_named() -> None:
    with pytest.raises(ValueError, match="rim_coverage must be in"):
        ForegroundPerception(rim_coverage=1.0)
