"""save_rollout writes files that decode back to the frames it was given."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
import torch
from PIL import Image, ImageSequence

from physpred import viz


def moving_square(num_frames: int, height: int = 16, width: int = 16) -> torch.Tensor:
    """A white square moving right on black: every frame differs from the one before."""
    frames = torch.zeros(num_frames, 3, height, width, dtype=torch.uint8)
    for t in range(num_frames):
        frames[t, :, 4:8, t : t + 4] = 255
    return frames


def test_gif_round_trip(tmp_path: Path) -> None:
    path = viz.save_rollout(moving_square(7), tmp_path / "sub" / "roll.gif", fps=10)
    assert path == tmp_path / "sub" / "roll.gif"
    with Image.open(path) as image:
        decoded = [np.asarray(frame.convert("RGB")) for frame in ImageSequence.Iterator(image)]
    assert len(decoded) == 7
    assert decoded[3][5, 3:7].min() == 255 and decoded[3][5, 8].max() == 0  # the square moved
    assert [p.name for p in path.parent.iterdir()] == ["roll.gif"]  # no temp file left behind


def test_mp4_round_trip_with_odd_size(tmp_path: Path) -> None:
    path = viz.save_rollout(moving_square(9, height=15, width=17), tmp_path / "roll.mp4", fps=5)
    with av.open(str(path)) as container:
        decoded = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    assert len(decoded) == 9
    assert decoded[0].shape == (16, 18, 3)  # padded to even sides for yuv420p
    assert decoded[2][5, 3:5].mean() > 200 and decoded[2][12, 12].mean() < 50


def test_rejects_bad_suffix_and_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.gif"):
        viz.save_rollout(moving_square(2), tmp_path / "roll.avi")
    assert list(tmp_path.iterdir()) == []


def test_side_by_side_joins_widths() -> None:
    joined = viz.side_by_side([moving_square(3), moving_square(3, width=10)], gap=2)
    assert joined.shape == (3, 3, 16, 16 + 2 + 10)
    assert (joined[:, :, :, 16:18] == 255).all()
    with pytest.raises(ValueError, match="differ"):
        viz.side_by_side([moving_square(3), moving_square(4)])


def test_save_figure_writes_png_and_no_temp_file(tmp_path: Path) -> None:
    path = viz.save_figure(viz.candidate_energies([1.0, 2.0], ["a", "b"]), tmp_path / "f" / "e.png")
    with Image.open(path) as image:
        assert image.format == "PNG"
    assert [p.name for p in path.parent.iterdir()] == ["e.png"]
