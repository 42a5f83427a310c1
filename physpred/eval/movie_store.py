"""Scores of finished movies on disk, so that a run can be split across processes and resumed.

``OUT/movies/settings.json`` holds what the scores depend on (model, data, windows); each
movie's window energies go to ``OUT/movies/<movie id>.npz`` the moment it is scored (atomic
rename: a killed run leaves whole files or none). A later run with the same settings scores
only the movies without a file; one with other settings is refused, never mixed in.

Shards (``--shard K/N``, :mod:`physpred.eval.shards`) split the movies between processes
that never talk to each other.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytorch_lightning as pl

from physpred.eval.runner import MovieSurprise
from physpred.files import confined


class SettingsMismatchError(ValueError):
    """The folder holds scores made with other settings."""


class MovieStore:
    """Per-movie scores under ``folder``, made with ``settings``.

    Args:
        folder: where the files go (created).
        settings: everything the scores depend on, JSON-ready; compared with the folder's.

    Raises:
        SettingsMismatchError: the folder holds scores made with other settings.
    """

    def __init__(self, folder: Path, settings: Mapping[str, Any]) -> None:
        self.folder = folder
        record = folder / "settings.json"
        wanted = json.loads(json.dumps(settings))  # as it reads back: tuples become lists
        if record.is_file():
            found = json.loads(record.read_text())
            differ = sorted(k for k in wanted.keys() | found.keys() if wanted.get(k) != found.get(k))
            if differ:
                raise SettingsMismatchError(
                    f"{folder} holds movie scores made with other settings (they differ in "
                    f"{', '.join(differ)}): choose another --out, or delete {folder} to rescore"
                )
        else:
            folder.mkdir(parents=True, exist_ok=True)
            with _own_temporary(record) as temporary:
                temporary.write_text(json.dumps(wanted, indent=2, sort_keys=True) + "\n")

    def path(self, video: str) -> Path:
        """Where movie ``video``'s scores live (a movie id that would leave the folder is refused)."""
        return confined(self.folder, f"{video}.npz", "movie id")

    def finished(self, movies: Iterable[str]) -> set[str]:
        """The movies among ``movies`` whose scores are on disk."""
        return {video for video in movies if self.path(video).is_file()}

    def save(self, movie: MovieSurprise) -> None:
        """Write one movie's scores (atomically)."""
        arrays = {"energies": movie.energies, "future_start": movie.future_start}
        if movie.energies_prior is not None:
            arrays["energies_prior"] = movie.energies_prior
        meta = {"video": movie.video, "block": movie.block, "scene": movie.scene}
        meta["is_possible"] = movie.is_possible
        path = self.path(movie.video)
        path.parent.mkdir(parents=True, exist_ok=True)
        with _own_temporary(path) as temporary, temporary.open("wb") as handle:
            np.savez(handle, meta=np.array(json.dumps(meta)), **arrays)

    def load(self, movies: Iterable[str]) -> list[MovieSurprise]:
        """The stored scores of ``movies``, sorted by id."""
        loaded = []
        for video in sorted(movies):
            with np.load(self.path(video)) as data:
                meta = json.loads(str(data["meta"]))
                prior = data.get("energies_prior")
                loaded.append(
                    MovieSurprise(
                        meta["video"],
                        meta["block"],
                        meta["scene"],
                        meta["is_possible"],
                        data["energies"],
                        data["future_start"],
                        prior,
                    )
                )
        return loaded


@contextmanager
def _own_temporary(path: Path) -> Iterator[Path]:
    """A temporary sibling named after this process, renamed onto ``path`` on success.

    Not :func:`physpred.files.atomic_path`'s fixed sibling: under DDP two ranks may write the
    same file at once (settings.json; a movie the sampler repeated to even out the ranks), and
    a shared temporary would be truncated and moved under the other's feet.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


class SaveEachMovie(pl.Callback):
    """Writes every movie's scores to a :class:`MovieStore` as soon as it is scored."""

    def __init__(self, store: MovieStore) -> None:
        self.store = store

    def on_predict_batch_end(
        self,
        trainer: pl.Trainer,
        pl_module: pl.LightningModule,
        outputs: Any,
        batch: Any,
        batch_idx: int,
        dataloader_idx: int = 0,
    ) -> None:
        self.store.save(outputs)
