"""The figures and the index page of a probe run are drawn from its report and scores."""

from __future__ import annotations

import numpy as np

from physpred.eval.figures import accuracy_figure, comparison_figure, roc_figure
from physpred.eval.index_page import index_html
from physpred.eval.runner import MovieSurprise

REPORT = {
    "blocks": {
        "O1": {"n_pairs": 4, "pairwise_acc_mean": 0.75, "pairwise_acc_mean_ci": [0.5, 1.0], "quad_acc": 1.0, "quad_acc_ci": [1.0, 1.0]},
        "G1": {"n_pairs": 4, "pairwise_acc_mean": None, "pairwise_acc_mean_ci": [None, None], "quad_acc": 0.5, "quad_acc_ci": None},
    },
    "overall": {"n_pairs": 8, "pairwise_acc_mean": 0.75, "pairwise_acc_mean_ci": [0.5, 1.0], "quad_acc": 0.75, "quad_acc_ci": [0.5, 1.0]},
    "events": {"O1/vanish": {"n_pairs": 2, "pairwise_acc_mean": 0.5}},
    "expectation": {"O1/vanish": {"expectation_rate": 0.25}},
    "settings": {"stride": 8},
}  # fmt: skip


def _movie(video: str, block: str, possible: bool, surprise: float) -> MovieSurprise:
    return MovieSurprise(video, block, video.rsplit("/", 1)[0], possible, np.array([surprise]), np.array([0]))


def test_accuracy_bars_carry_the_intervals_and_chance() -> None:
    axes = accuracy_figure(REPORT).axes[0]
    assert [t.get_text() for t in axes.get_xticklabels()] == ["G1", "O1", "all"]
    heights = [bar.get_height() for bar in axes.patches]  # pairwise G1, O1, all; quad G1, O1, all
    assert np.isnan(heights[0]) and heights[1:] == [0.75, 0.75, 0.5, 1.0, 0.75]
    assert len(axes.collections) == 2  # one set of error bars per metric
    assert any(line.get_ydata()[0] == 0.5 for line in axes.lines)  # chance


def test_comparison_puts_every_run_side_by_side() -> None:
    axes = comparison_figure({"model": REPORT, "copy-last": REPORT}, "quad_acc").axes[0]
    assert [t.get_text() for t in axes.get_legend().get_texts()] == ["chance", "model", "copy-last"]
    assert len(axes.patches) == 6


def test_roc_per_block_skips_a_block_with_one_class() -> None:
    movies = [_movie("O1/01/1", "O1", True, 1.0), _movie("O1/01/2", "O1", False, 3.0),
              _movie("O1/02/1", "O1", True, 2.0), _movie("O1/02/2", "O1", False, 4.0),
              _movie("G1/01/1", "G1", True, 1.0)]  # fmt: skip
    axes = roc_figure(movies).axes[0]
    assert [t.get_text() for t in axes.get_legend().get_texts()] == ["O1 (AUROC 1.00)", "chance"]


def test_index_page_ties_tables_and_figures_together() -> None:
    page = index_html(REPORT, ["accuracy.png", "roc.png"], "model on <probes>")
    assert "<title>model on &lt;probes&gt;</title>" in page
    assert "<td>O1</td><td>4</td><td>0.750 [0.50, 1.00]</td>" in page
    assert "<td>G1</td><td>4</td><td>-</td>" in page
    assert "<td>O1/vanish</td><td>2</td><td>0.500</td><td>0.250</td>" in page
    assert page.index("accuracy.png") < page.index("roc.png")
    assert "<a href='scores.csv'>" in page and "<a href='report.json'>" in page


def test_the_best_and_worst_pair_of_each_event_are_chosen_by_margin() -> None:
    from physpred.eval.strips import chosen_pairs

    movies = [_movie(f"O1/0{s}/{m}", "O1", m in "12", e) for s, values in ((1, (1, 1, 3, 0)), (2, (1, 1, 5, 1)))
              for m, e in zip("1234", values, strict=True)]  # fmt: skip
    pairs = [("O1/01/1", "O1/01/3"), ("O1/01/2", "O1/01/4"), ("O1/02/1", "O1/02/3"), ("O1/02/2", "O1/02/4")]
    events = {"O1/01/3": "vanish", "O1/02/3": "vanish", "O1/01/4": "appear", "O1/02/4": "appear"}
    violations = {video: [30, 31] for video in events}
    chosen = chosen_pairs(movies, pairs, events, violations)["O1"]
    assert [(label, p.video, i.video, frames) for label, p, i, frames in chosen] == [
        ("appear best (+0)", "O1/02/2", "O1/02/4", [29, 30]),
        ("appear worst (-1)", "O1/01/2", "O1/01/4", [29, 30]),
        ("vanish best (+4)", "O1/02/1", "O1/02/3", [29, 30]),
        ("vanish worst (+2)", "O1/01/1", "O1/01/3", [29, 30]),
    ]


def test_the_strip_shows_where_the_movies_differ_most() -> None:
    import torch

    from physpred.eval.strips import clearest_frame, window_at
    from physpred.viz import pair_strip

    first = torch.zeros(12, 3, 8, 8, dtype=torch.uint8)
    second = first.clone()
    second[7, :, :2] = 200  # a small difference at frame 7, a large one at frame 9
    second[9] = 200
    assert clearest_frame(first, second, [6, 7, 8, 9], earliest=4) == 9
    assert clearest_frame(first, second, [2, 3], earliest=4) is None
    context, truth = window_at(second, 9, context_frames=3, frame_step=2)
    assert context.shape == (3, 3, 8, 8) and torch.equal(context[-1], second[7]) and torch.equal(truth, second[9])
    assert window_at(second, 3, context_frames=3, frame_step=2) is None
    figure = pair_strip([("a", context[-1], truth, context[-1]), ("b", context[-1], truth, None)], "t")
    assert len(figure.axes) == 8 and figure.axes[3].get_title() == "|error| (0-200 grey levels)"
    assert figure.axes[6].texts[0].get_text() == "no pixel\nprediction"
