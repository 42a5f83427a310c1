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


def images(figure: Figure) -> list:
    """The panels that show a picture, in drawing order."""
    return [ax for ax in figure.axes if ax.images]


def test_prediction_strip_stacks_truth_prediction_and_error_on_one_time_axis() -> None:
    context, future, predicted = frames(8), frames(2, seed=1), frames(2, seed=2)
    figure = viz.prediction_strip(context, future, predicted)
    assert isinstance(figure, Figure)
    panels = images(figure)
    assert len(panels) == 2 + 2 + 2 + 2  # the last 2 context frames, truth, prediction, error
    assert [ax.get_title() for ax in panels[:4]] == ["context t-1", "context t", "future t+1", "future t+2"]
    labels = [ax.get_ylabel() for ax in panels if ax.get_ylabel()]
    assert labels[:2] == ["truth", "predicted"] and labels[2].startswith("|error|")
    np.testing.assert_array_equal(panels[0].images[0].get_array(), viz.to_hwc(context)[-2])
    np.testing.assert_array_equal(panels[4].images[0].get_array(), viz.to_hwc(predicted)[0])
    expected = (predicted.float() - future.float()).abs().mean(1)  # (M, H, W) over colours
    np.testing.assert_allclose(panels[7].images[0].get_array(), expected[1].numpy(), rtol=1e-6)
    assert panels[6].images[0].get_clim() == (0.0, float(expected.max()))  # one scale for the row
    assert f"0-{float(expected.max()):.0f}" in labels[2]
    # the predictions sit under the frames they predict
    assert panels[4].get_position().x0 == pytest.approx(panels[2].get_position().x0)


def test_prediction_strip_width_does_not_grow_with_the_context() -> None:
    short = viz.prediction_strip(frames(2), frames(2, seed=1), frames(2, seed=2))
    long = viz.prediction_strip(frames(32), frames(2, seed=1), frames(2, seed=2))
    assert tuple(long.get_size_inches()) == tuple(short.get_size_inches())
    assert len(images(long)) == len(images(short))


def test_prediction_strip_context_shown_and_truth_alone() -> None:
    every = viz.prediction_strip(frames(5), frames(3, seed=1), None, context_shown=None)
    assert len(images(every)) == 5 + 3
    assert images(every)[0].get_title() == "context t-4"
    assert len(images(viz.prediction_strip(frames(1), frames(2), None, context_shown=4))) == 1 + 2
    with pytest.raises(ValueError, match="context_shown must be at least 1"):
        viz.prediction_strip(frames(2), frames(2), None, context_shown=0)


def test_prediction_strip_accepts_numpy_and_rejects_mismatch() -> None:
    figure = viz.prediction_strip(frames(2).numpy(), frames(2).numpy(), frames(2).numpy())
    assert len(images(figure)) == 2 + 2 + 2 + 2
    with pytest.raises(ValueError, match="does not match"):
        viz.prediction_strip(frames(2), frames(2), frames(3))
    with pytest.raises(ValueError, match="uint8"):
        viz.prediction_strip(frames(2).float(), frames(2), None)


def legend_is_outside(ax) -> bool:
    """The legend's anchor lies right of the axes (x > 1 in axes coordinates)."""
    return ax.get_legend().get_bbox_to_anchor().transformed(ax.transAxes.inverted()).x0 > 1.0


def test_surprise_curve_thin_movies_bold_means_and_violation_line() -> None:
    times = np.arange(8, 20)
    possible = [np.linspace(0, 1, 12), np.linspace(0.1, 1.1, 12)]
    impossible = [np.linspace(1, 2, 12)]
    figure = viz.surprise_curve(times, possible, impossible, violation_frames=13)
    assert len(figure.axes) == 1
    ax = figure.axes[0]
    lines = {line.get_label(): line for line in ax.lines}
    np.testing.assert_allclose(lines["possible: mean of 2"].get_ydata(), np.mean(possible, axis=0))
    np.testing.assert_allclose(lines["impossible (1 movie)"].get_ydata(), impossible[0])
    assert lines["violation"].get_xdata()[0] == 13
    thin = [line for line in ax.lines if line.get_label().startswith("_")]
    assert len(thin) == 2  # the two possible movies; a single impossible one is its own mean
    assert all(line.get_linewidth() < lines["possible: mean of 2"].get_linewidth() for line in thin)
    assert legend_is_outside(ax)


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


def test_aligned_surprise_curve_averages_pairs_at_the_same_offset() -> None:
    pairs = [  # (offsets from the violation, possible, impossible); the pairs start at different offsets
        (np.array([-2, -1, 0, 1]), np.array([1.0, 1.0, 1.0, 1.0]), np.array([1.0, 1.0, 5.0, 3.0])),
        (np.array([0, 1, 2, 3]), np.array([3.0, 3.0, 3.0, 3.0]), np.array([7.0, 5.0, 3.0, 3.0])),
        (np.array([-1, 0, 1, 2]), np.array([2.0, 2.0, 2.0, 2.0]), np.array([2.0, 9.0, 4.0, 2.0])),
    ]
    figure = viz.aligned_surprise_curve(pairs, title="three pairs")
    ax = figure.axes[0]
    lines = {line.get_label(): line for line in ax.lines}
    impossible = lines["impossible: mean of 3"]
    # offset -2 has one pair of three (below min_fraction 0.5), offset 3 one too: left out
    np.testing.assert_array_equal(impossible.get_xdata(), [-1, 0, 1, 2])
    np.testing.assert_allclose(impossible.get_ydata(), [1.5, 7.0, 4.0, 2.5])
    np.testing.assert_allclose(lines["possible: mean of 3"].get_ydata(), [1.5, 2.0, 2.0, 2.5])
    assert lines["violation"].get_xdata()[0] == 0
    assert len([line for line in ax.lines if line.get_label().startswith("_")]) == 2 * 3
    assert legend_is_outside(ax) and figure.get_suptitle() == "three pairs"


def test_aligned_surprise_curve_thumbnails_and_bad_input() -> None:
    pair = (np.arange(-1, 3), np.zeros(4), np.ones(4))
    figure = viz.aligned_surprise_curve(
        [pair], [("possible", frames(3)), ("impossible", frames(3, seed=1))], example_offsets=[-4, 0, 4]
    )
    assert len(figure.axes) == 1 + 2 * 3
    assert [ax.get_title() for ax in figure.axes[1:4]] == ["-4", "0: violation", "+4"]
    assert figure.axes[1].get_ylabel() == "possible" and figure.axes[4].get_ylabel() == "impossible"
    with pytest.raises(ValueError, match="at least one pair"):
        viz.aligned_surprise_curve([])
    with pytest.raises(ValueError, match=r"pairs\[0\] \(possible, impossible\)\[1\] has 3 values for 4 times"):
        viz.aligned_surprise_curve([(np.arange(4), np.zeros(4), np.ones(3))])
    with pytest.raises(ValueError, match="has 3 frames for 2 example_offsets"):
        viz.aligned_surprise_curve([pair], [("possible", frames(3))], example_offsets=[0, 4])


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
