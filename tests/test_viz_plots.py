"""Each plotting function returns a figure with the expected panels on tiny inputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from physpred import viz


def frames(count: int, size: int = 8, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (count, 3, size, size), dtype=torch.uint8, generator=generator)


def test_prediction_strip_has_one_panel_per_frame() -> None:
    figure = viz.prediction_strip(frames(4), frames(3, seed=1), frames(3, seed=2))
    assert isinstance(figure, Figure)
    assert len(figure.axes) == 4 + 3 + 3
    assert [ax.get_ylabel() for ax in figure.axes if ax.get_ylabel()] == [
        "context",
        "true future",
        "predicted",
    ]


def test_prediction_strip_without_prediction_and_longer_future() -> None:
    figure = viz.prediction_strip(frames(2), frames(5, seed=1), None)
    assert len(figure.axes) == 2 + 5


def test_prediction_strip_accepts_numpy_and_rejects_mismatch() -> None:
    figure = viz.prediction_strip(frames(2).numpy(), frames(2).numpy(), frames(2).numpy())
    assert len(figure.axes) == 6
    with pytest.raises(ValueError, match="does not match"):
        viz.prediction_strip(frames(2), frames(2), frames(3))
    with pytest.raises(ValueError, match="uint8"):
        viz.prediction_strip(frames(2).float(), frames(2), None)


def test_surprise_curve_panels_and_violation_line() -> None:
    times = np.arange(8, 20)
    possible = [np.linspace(0, 1, 12), np.linspace(0.1, 1.1, 12)]
    impossible = [np.linspace(1, 2, 12)]
    figure = viz.surprise_curve(times, possible, impossible, violation_frames=13)
    assert len(figure.axes) == 1
    ax = figure.axes[0]
    assert len(ax.lines) == 3  # possible mean, impossible mean, violation
    assert ax.lines[-1].get_xdata()[0] == 13
    np.testing.assert_allclose(ax.lines[0].get_ydata(), np.mean(possible, axis=0))
    assert len(ax.collections) == 1  # the band, for the two possible curves only


def test_surprise_curve_thumbnails_include_violation() -> None:
    figure = viz.surprise_curve(
        np.arange(4, 30),
        [np.zeros(26)],
        [np.ones(26)],
        [17],
        thumbnails=frames(30),
        num_thumbnails=5,
    )
    assert len(figure.axes) == 1 + 5
    titles = [ax.get_title() for ax in figure.axes[1:]]
    assert "frame 17" in titles


def test_surprise_curve_rejects_length_mismatch() -> None:
    with pytest.raises(ValueError, match="surprise_impossible\\[0\\] has 3 values for 4 times"):
        viz.surprise_curve(np.arange(4), [np.zeros(4)], [np.zeros(3)])


def test_thumbnail_indices_replace_nearest_with_violation() -> None:
    assert viz.thumbnail_indices(0, 10, 3) == [0, 5, 10]
    assert viz.thumbnail_indices(0, 10, 3, [6]) == [0, 6, 10]


def test_candidate_energies_highlights_lowest() -> None:
    figure = viz.candidate_energies(torch.tensor([2.0, 0.5, 1.0]), ["true", "reversed", "static"])
    assert len(figure.axes) == 1
    bars = figure.axes[0].patches
    assert [round(bar.get_height(), 3) for bar in bars] == [2.0, 0.5, 1.0]
    assert bars[1].get_facecolor() != bars[0].get_facecolor()
    with pytest.raises(ValueError, match="3 energies for 2 labels"):
        viz.candidate_energies([1.0, 2.0, 3.0], ["a", "b"])


@pytest.mark.parametrize("z_values", [[-1.0, 0.0, 1.0], torch.randn(3, 4)])
def test_latent_traversal_grid(z_values: list[float] | torch.Tensor) -> None:
    grid = torch.stack([frames(2, seed=i) for i in range(3)])  # (L=3, M=2, 3, H, W)
    figure = viz.latent_traversal(grid, z_values)
    assert len(figure.axes) == 3 * 2
    assert figure.axes[0].get_ylabel().startswith("z")


def test_figure_to_array_is_rgb_uint8() -> None:
    image = viz.figure_to_array(viz.candidate_energies([1.0], ["a"]))
    assert image.dtype == np.uint8
    assert image.ndim == 3 and image.shape[2] == 3


def test_frame_conversions() -> None:
    gray = torch.zeros(2, 1, 4, 5, dtype=torch.uint8)
    assert viz.to_hwc(gray).shape == (2, 4, 5, 3)
    normalised = torch.tensor([-1.0, 0.0, 1.0, 3.0])
    assert viz.to_uint8_frames(normalised).tolist() == [0, 128, 255, 255]


def test_frame_grid_rows_of_different_lengths() -> None:
    figure = viz.frame_grid([frames(3), frames(2, seed=1)], ["1 possible", "3 impossible"], ["0", "5", "10"])
    assert len(figure.axes) == 3 + 2
    assert figure.axes[0].get_title() == "0" and figure.axes[3].get_ylabel() == "3 impossible"
    with pytest.raises(ValueError, match="1 row labels for 2 rows"):
        viz.frame_grid([frames(1), frames(1)], ["a"])


def test_metric_bars_one_bar_per_model_and_block() -> None:
    values = {"model": {"O1": 0.9, "G1": 1.0}, "copy-last": {"O1": 0.5, "G1": None}}
    figure = viz.metric_bars(values, metric="pairwise_acc_mean")
    ax = figure.axes[0]
    assert len(ax.patches) == 2 * 2
    assert [tick.get_text() for tick in ax.get_xticklabels()] == ["G1", "O1"]
    assert ax.lines[0].get_ydata()[0] == 0.5  # chance


def test_quadruplet_strip_centres_on_the_matched_divergence() -> None:
    from physpred.types import ProbeMovie

    still = torch.zeros(30, 3, 32, 32, dtype=torch.uint8)
    ball = still.clone()
    ball[:, :, 10:20, 10:20] = 255  # a square present all along
    vanishing = ball.clone()
    vanishing[17:] = 0  # ... that vanishes at frame 17
    movies = [
        ProbeMovie("O1/01/1", "O1", "O1/01", True, still),
        ProbeMovie("O1/01/2", "O1", "O1/01", True, ball),
        ProbeMovie("O1/01/3", "O1", "O1/01", False, vanishing),
    ]
    assert viz.divergence_frame(ball, vanishing) == 17
    figure = viz.quadruplet_strip(movies, count=4, step=2)
    assert len(figure.axes) == 3 * 4
    assert [ax.get_title() for ax in figure.axes[:4]] == ["frame 13", "frame 15", "frame 17", "frame 19"]
    assert "impossible" in figure.axes[8].get_ylabel()
