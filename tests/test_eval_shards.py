"""Shards by hand: every movie in exactly one shard; K/N parsed or refused in one line."""

from __future__ import annotations

import pytest

from physpred.eval.shards import parse_shard, shard_of


def test_shards_cover_every_movie_once() -> None:
    movies = ["e", "a", "c", "b", "d"]
    assert shard_of(movies, 1, 2) == ["b", "d"]
    assert shard_of(movies, 0, 2) == ["a", "c", "e"]
    assert sorted(m for k in range(3) for m in shard_of(movies, k, 3)) == sorted(movies)


@pytest.mark.parametrize(("text", "message"), [("2/2", "K must be in 0..N-1"), ("x", "expected K/N")])
def test_a_bad_shard_is_named(text: str, message: str) -> None:
    assert parse_shard("1/4") == (1, 4)
    with pytest.raises(ValueError, match=f"--shard {text}: {message}"):
        parse_shard(text)


def test_a_movie_store_gives_back_what_it_was_given(tmp_path) -> None:
    import numpy as np

    from physpred.eval.movie_store import MovieStore, SettingsMismatchError
    from physpred.eval.runner import MovieSurprise

    store = MovieStore(tmp_path / "movies", {"frame_step": 2, "context": (2, 4)})
    movie = MovieSurprise("P_X/a.mp4", "X", "X/a.mp4", True, np.array([0.5, 0.25], np.float32),
                          np.array([4, 6]), np.array([0.75, 0.5], np.float32))  # fmt: skip
    store.save(movie)
    assert store.finished(["P_X/a.mp4", "IP_X/a.mp4"]) == {"P_X/a.mp4"}
    (back,) = MovieStore(tmp_path / "movies", {"frame_step": 2, "context": [2, 4]}).load(["P_X/a.mp4"])
    assert (back.video, back.block, back.scene, back.is_possible) == ("P_X/a.mp4", "X", "X/a.mp4", True)
    assert back.energies.tolist() == [0.5, 0.25] and back.energies_prior.tolist() == [0.75, 0.5]
    assert sorted(p.name for p in (tmp_path / "movies").rglob("*")) == ["P_X", "a.mp4.npz", "settings.json"]
    with pytest.raises(SettingsMismatchError, match="they differ in frame_step"):
        MovieStore(tmp_path / "movies", {"frame_step": 1, "context": [2, 4]})
