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
