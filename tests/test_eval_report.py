"""The Lightning runner and the outputs of ``physpred probe`` on hand-made movies."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader

from physpred.eval.report import (
    build_report,
    format_comparison,
    format_table,
    load_report,
    plot_block,
    write_report,
    write_scores,
)
from physpred.eval.runner import MovieSurprise, SurpriseRunner, score_movies
from physpred.models import CopyLastPredictor
from physpred.types import ClipGeometry, ProbeMovie


class MovieList(pl.LightningDataModule):
    """Predict dataloader over given movies, one ProbeMovie per batch (as ProbeDataModule)."""

    def __init__(self, movies: list[ProbeMovie]) -> None:
        super().__init__()
        self.movies = movies

    def predict_dataloader(self) -> DataLoader:
        return DataLoader(self.movies, batch_size=1, collate_fn=lambda batch: batch[0])


def movie(video: str, is_possible: bool | None, jump: int) -> ProbeMovie:
    """A 6-frame black movie that turns white at frame ``jump``."""
    frames = torch.zeros(6, 3, 4, 4, dtype=torch.uint8)
    frames[jump:] = 255
    block, scene, _ = video.split("/")
    return ProbeMovie(video, block, f"{block}/{scene}", is_possible, frames)


def surprise(video: str, is_possible: bool | None, energies: list[float]) -> MovieSurprise:
    block, scene, _ = video.split("/")
    return MovieSurprise(
        video, block, f"{block}/{scene}", is_possible, np.array(energies), np.arange(len(energies))
    )


def test_runner_scores_every_movie_once_sorted() -> None:
    movies = [movie("O1/01/2", False, 3), movie("O1/01/1", True, 9)]
    scorer = CopyLastPredictor(geometry=ClipGeometry(context_frames=1, future_frames=1, frame_step=1, frame_size=4))
    runner = SurpriseRunner(scorer=scorer, frame_step=1, stride=2, batch_size=4, z="infer", contexts=None)
    trainer = pl.Trainer(
        accelerator="cpu", devices=1, logger=False, enable_progress_bar=False,
        enable_model_summary=False, inference_mode=False,
    )
    scored = score_movies(runner, MovieList(movies), trainer)
    assert [m.video for m in scored] == ["O1/01/1", "O1/01/2"]
    assert scored[0].energies.tolist() == [0.0, 0.0, 0.0]
    assert scored[1].future_start.tolist() == [1, 3, 5]
    assert scored[1].energies.tolist() == [0.0, 4.0, 0.0]  # the jump 2 -> 3 is in window 2
    assert scored[1].surprise_mean == pytest.approx(4 / 3) and scored[1].surprise_max == 4.0


def scored_set() -> list[MovieSurprise]:
    return [
        surprise("O1/01/1", True, [1, 1]),
        surprise("O1/01/2", True, [1, 2]),
        surprise("O1/01/3", False, [2, 2]),
        surprise("O1/01/4", False, [1, 1]),
        surprise("G1/01/1", True, [1, 3]),
        surprise("G1/01/2", False, [2, 3]),
        surprise("G1/02/1", None, [5, 5, 5]),
    ]


def test_report_per_block_and_overall(tmp_path: Path) -> None:
    movies = scored_set()
    pairs = [("O1/01/1", "O1/01/3"), ("O1/01/2", "O1/01/4"), ("G1/01/1", "G1/01/2")]
    report = build_report(movies, pairs, n_resamples=20)
    o1, g1, overall = report["blocks"]["O1"], report["blocks"]["G1"], report["overall"]
    assert o1["pairwise_acc_mean"] == 0.5  # 1 < 2 right; 1.5 > 1 wrong
    assert g1["pairwise_acc_mean"] == 1.0 and g1["n_movies"] == 3 and g1["n_labelled"] == 2
    assert g1["pairwise_acc_max"] == 0.0  # 3 vs 3: a tie is wrong
    assert overall["n_pairs"] == 3 and overall["pairwise_acc_mean"] == pytest.approx(2 / 3)
    assert o1["quad_acc"] == 1.0  # possible 1 + 1.5 < impossible 2 + 1
    assert g1["quad_acc"] == 1.0 and g1["n_quads"] == 1  # the unlabelled scene is skipped
    write_report(tmp_path / "report.json", {"settings": {"stride": 1}, **report})
    loaded = load_report(tmp_path)
    assert loaded["blocks"]["G1"]["auroc_max"] == 0.5  # max 3 against max 3
    assert loaded["blocks"]["O1"]["pairwise_acc_mean_ci"] == [None, None]  # one scene
    table = format_table(loaded)
    assert table.splitlines()[0].split()[:3] == ["block", "movies", "pairs"]
    assert [line.split()[0] for line in table.splitlines()[1:]] == ["G1", "O1", "all"]
    comparison = format_comparison({"model": loaded, "copy-last": loaded})
    assert comparison.splitlines()[1].split() == ["G1", "O1", "all"]
    assert comparison.splitlines()[2].split() == ["model", "1.000", "0.500", "0.667"]
    with_expectation = {**loaded, "expectation": {"O1/vanish": {"expectation_rate": 0.25}}}
    rows = format_comparison({"model": with_expectation, "copy-last": loaded}).splitlines()
    assert ["O1/vanish", "0.250", "-"] in [row.split() for row in rows]
    assert rows[-1] == "columns: 1 = model, 2 = copy-last"


def test_report_splits_pairs_by_impossible_event() -> None:
    movies = scored_set()
    pairs = [("O1/01/1", "O1/01/3"), ("O1/01/2", "O1/01/4"), ("G1/01/1", "G1/01/2")]
    events = {"O1/01/3": "vanish", "O1/01/4": "appear", "O1/01/1": "object"}
    report = build_report(movies, pairs, n_resamples=5, events=events)
    assert report["events"] == {
        "O1/appear": {"n_pairs": 1, "pairwise_acc_mean": 0.0, "pairwise_acc_max": 0.0},
        "O1/vanish": {"n_pairs": 1, "pairwise_acc_mean": 1.0, "pairwise_acc_max": 1.0},
    }  # G1's impossible movie has no event name: left out
    rows = format_table(report).split("impossible event")[1].splitlines()[1:]
    assert [row.split() for row in rows] == [
        ["O1/appear", "1", "0.000", "0.000", "-", "-", "-", "-"],
        ["O1/vanish", "1", "1.000", "1.000", "-", "-", "-", "-"],
    ]  # no violation frames given: no expectation columns
    assert build_report(movies, pairs, n_resamples=5)["events"] == {}


def test_scores_csv_and_plot(tmp_path: Path) -> None:
    movies = scored_set()
    write_scores(tmp_path / "scores.csv", movies)
    rows = list(csv.DictReader((tmp_path / "scores.csv").open()))
    assert list(rows[0]) == ["video", "block", "scene", "is_possible", "surprise_mean", "surprise_max"]
    assert rows[1] == {
        "video": "O1/01/2", "block": "O1", "scene": "O1/01", "is_possible": "true",
        "surprise_mean": "1.5", "surprise_max": "2",
    }
    assert rows[-1]["is_possible"] == ""
    g1 = [m for m in movies if m.block == "G1"]
    g1_pairs = [(p.video, i.video) for p in g1 if p.is_possible for i in g1 if i.is_possible is False]
    plot_block(
        tmp_path / "surprise_G1.png", "G1", g1, g1_pairs, {}, {i: [2] for _, i in g1_pairs}, 1, 1
    )
    assert (tmp_path / "surprise_G1.png").read_bytes()[:4] == b"\x89PNG"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scores.csv", "surprise_G1.png"]


def test_load_report_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="report.json not found"):
        load_report(tmp_path)
    (tmp_path / "report.json").write_text("{")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_report(tmp_path)
