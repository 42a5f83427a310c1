"""Datasets: random training clips from a folder of videos, and probe movies with their pairs."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import Dataset

from physpred.data.clips import clip_indices, clip_span, random_clip_start
from physpred.data.layouts import (
    IncompleteSceneError,
    ProbeEntry,
    VideoEntry,
    find_probe_movies,
    find_videos,
    incomplete_scenes,
)
from physpred.data.pairs import match_pairs, thumbnails
from physpred.data.readers import Backend, VideoReadError, read_video, video_info
from physpred.data.transforms import resize_center_crop
from physpred.types import ProbeMovie

logger = logging.getLogger(__name__)
OnError = Literal["skip", "raise"]


def motion_score(clip: Tensor, context_frames: int) -> float:
    """Mean absolute difference between the future frames and the last context frame.

    Args:
        clip: uint8 (C + M, 3, H, W).
        context_frames: C.

    Returns:
        the copy-last error in grey levels (0 for a static clip).
    """
    last = clip[context_frames - 1].float()
    return float((clip[context_frames:].float() - last).abs().mean())


class VideoClipDataset(Dataset[Tensor]):
    """Random clips of C context + M future frames, ``frame_step`` source frames apart.

    Item ``i`` draws a clip from video ``i // clips_per_video`` at a random start, with a
    generator seeded from (seed, epoch, i): the same clip for the same epoch, a new one the next
    epoch. Indices past ``len(self)`` encode the epoch (``index = epoch * len + i``), which is
    how :class:`EpochSampler` passes it to persistent workers.

    Args:
        root: a folder in a layout of :func:`physpred.data.layouts.find_videos`.
        context_frames: C.
        future_frames: M.
        frame_step: k, source frames between consecutive clip frames.
        frame_size: S, output side (resize the shorter side to S, then centre crop).
        clips_per_video: items per video in one epoch.
        seed: base of every clip draw.
        on_error: "skip" a broken video (warn once with its path, count it in ``skipped``, draw
            another clip) or "raise" a :class:`VideoReadError` naming it.
        backend: video decoder, see :func:`physpred.data.read_video`.
        videos: the videos to use (e.g. one side of a train/val split); None finds them all
            under ``root``.
        allow_outside_root: accept manifest paths outside ``root`` (see
            :func:`physpred.data.layouts.find_videos`).
        motion_candidates: clips drawn per item, the one whose future differs most from its
            last context frame kept (:func:`motion_score`); 1 keeps every clip. Most clips of a
            physics world are static or coast, while the events a model must learn (an object
            coming out from behind a screen, a fall) are what copying the last frame gets wrong.

    Raises:
        ValueError: no video is long enough for one clip.
    """

    def __init__(
        self,
        root: str | Path,
        context_frames: int,
        future_frames: int,
        frame_step: int,
        frame_size: int,
        clips_per_video: int = 1,
        seed: int = 0,
        on_error: OnError = "skip",
        backend: Backend = "auto",
        videos: Sequence[VideoEntry] | None = None,
        allow_outside_root: bool = False,
        motion_candidates: int = 1,
    ) -> None:
        if on_error not in ("skip", "raise"):
            raise ValueError(f"on_error must be 'skip' or 'raise', got {on_error!r}")
        if clips_per_video < 1:
            raise ValueError(f"clips_per_video must be >= 1, got {clips_per_video}")
        if motion_candidates < 1:
            raise ValueError(f"motion_candidates must be >= 1, got {motion_candidates}")
        self.motion_candidates = motion_candidates
        self.context_frames, self.future_frames = context_frames, future_frames
        self.frame_step, self.frame_size = frame_step, frame_size
        self.clips_per_video, self.seed = clips_per_video, seed
        self.on_error, self.backend = on_error, backend
        self.span = clip_span(context_frames, future_frames, frame_step)
        self.skipped: dict[Path, str] = {}
        entries = find_videos(root, allow_outside_root) if videos is None else list(videos)
        self.videos: list[tuple[Path, int]] = self._usable(entries)
        if not self.videos:
            raise ValueError(
                f"{root}: none of {len(entries)} videos holds one clip of {self.span} frames "
                f"(context_frames={context_frames}, future_frames={future_frames}, "
                f"frame_step={frame_step}); use longer videos or a shorter clip"
            )

    def __len__(self) -> int:
        return len(self.videos) * self.clips_per_video

    def __getitem__(self, index: int) -> Tensor:
        """A clip, uint8 (C + M, 3, S, S): of ``motion_candidates`` draws, the most moving."""
        generator, video = self._start(index)
        clips = [self._read(video, generator) for _ in range(self.motion_candidates)]
        return max(clips, key=lambda clip: motion_score(clip, self.context_frames))

    def _read(self, video: int, generator: torch.Generator) -> Tensor:
        """A clip from ``video`` at a random start, or (on_error skip) from another video."""
        while True:
            path, indices = self._draw(video, generator)
            try:
                frames = read_video(path, indices, backend=self.backend)  # (T, 3, H, W)
                return resize_center_crop(frames, self.frame_size)
            except VideoReadError as error:
                if self.on_error == "raise":
                    raise
                self._skip(path, str(error))
            video = self._another_video(generator)

    def __iter__(self) -> Iterator[Tensor]:
        """One epoch's clips (without this, iteration would not stop: indices past len are valid)."""
        return (self[i] for i in range(len(self)))

    def clip_source(self, index: int) -> tuple[Path, list[int]]:
        """The video and frame numbers item ``index`` reads (unless that read fails)."""
        generator, video = self._start(index)
        return self._draw(video, generator)

    def _start(self, index: int) -> tuple[torch.Generator, int]:
        if index < 0:
            raise IndexError(f"index {index} < 0")
        epoch, item = divmod(index, len(self))
        generator = torch.Generator().manual_seed(item_seed(self.seed, epoch, item))
        return generator, item // self.clips_per_video

    def _draw(self, video: int, generator: torch.Generator) -> tuple[Path, list[int]]:
        path, num_frames = self.videos[video]
        start = random_clip_start(num_frames, self.span, generator)
        return path, clip_indices(start, self.context_frames, self.future_frames, self.frame_step)

    def _another_video(self, generator: torch.Generator) -> int:
        good = [i for i, (path, _) in enumerate(self.videos) if path not in self.skipped]
        if not good:
            raise VideoReadError(
                f"all {len(self.videos)} videos failed to read; first: {next(iter(self.skipped))}"
            )
        return good[int(torch.randint(len(good), (), generator=generator))]

    def _usable(self, entries: Sequence[VideoEntry]) -> list[tuple[Path, int]]:
        usable, short = [], []
        for entry in entries:
            num_frames = entry.num_frames
            if num_frames is None:
                try:
                    num_frames = video_info(entry.path, backend=self.backend).num_frames
                except VideoReadError as error:
                    if self.on_error == "raise":
                        raise
                    self._skip(entry.path, str(error))
                    continue
            if num_frames < self.span:
                short.append(entry.path)
            else:
                usable.append((entry.path, num_frames))
        if short:
            logger.warning(
                "skipping %d of %d videos shorter than one clip (%d frames), e.g. %s",
                len(short),
                len(entries),
                self.span,
                ", ".join(str(p) for p in short[:3]),
            )
        return usable

    def _skip(self, path: Path, reason: str) -> None:
        if path not in self.skipped:
            self.skipped[path] = reason
            logger.warning("skipping broken video (%d so far): %s", len(self.skipped), reason)


def item_seed(seed: int, epoch: int, index: int) -> int:
    """A 63-bit seed mixing (seed, epoch, index); neighbouring inputs give unrelated seeds."""
    return int(np.random.SeedSequence([seed, epoch, index]).generate_state(1, np.uint64)[0] >> 1)


class ProbeDataset(Dataset[ProbeMovie]):
    """The movies of a violation-of-expectation probe set, one :class:`ProbeMovie` per item.

    Args:
        root: IntPhys-layout folder or CSV manifest (see :func:`physpred.data.layouts.find_probe_movies`).
        frame_size: resize/centre-crop frames to S x S; None keeps them as stored.
        backend: video decoder for mp4 probes.
        incomplete: a scene that is not a full quadruplet or has a movie without frames (see
            :func:`physpred.data.layouts.incomplete_scenes`): "raise" an
            :class:`IncompleteSceneError` naming the first, or "skip" such scenes (warned,
            listed in ``left_out``).

    Attributes:
        movies: movie ids (paths relative to root, ``"O1/01/3"``), in item order.
        scenes: scene id (``"O1/01"``) -> its movie ids.
        left_out: scene id -> why it was left out (``incomplete="skip"`` only).

    Raises:
        IncompleteSceneError: an incomplete scene under ``incomplete="raise"``.
        ValueError: every scene was left out.
    """

    def __init__(
        self,
        root: str | Path,
        frame_size: int | None = None,
        backend: Backend = "auto",
        incomplete: OnError = "raise",
    ) -> None:
        if incomplete not in ("skip", "raise"):
            raise ValueError(f"incomplete must be 'skip' or 'raise', got {incomplete!r}")
        self.root, self.frame_size, self.backend = Path(root), frame_size, backend
        entries = find_probe_movies(root)
        self.left_out = incomplete_scenes(entries)
        if self.left_out and incomplete == "raise":
            scene, reason = next(iter(self.left_out.items()))
            raise IncompleteSceneError(self.root, scene, reason)
        if self.left_out:
            logger.warning(
                "leaving out %d incomplete probe scene(s): %s",
                len(self.left_out),
                "; ".join(f"{scene} ({reason})" for scene, reason in self.left_out.items()),
            )
        self.entries = [entry for entry in entries if entry.scene not in self.left_out]
        if not self.entries:
            raise ValueError(f"{root}: all {len(self.left_out)} probe scenes are incomplete")
        self.movies = [entry.video for entry in self.entries]
        self.scenes: dict[str, list[str]] = {}
        for entry in self.entries:
            self.scenes.setdefault(entry.scene, []).append(entry.video)
        self._pairs: list[tuple[str, str]] | None = None

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, index: int) -> ProbeMovie:
        """Movie ``index`` with all its frames, uint8 (T, 3, H, W) (H = W = frame_size if set)."""
        entry = self.entries[index]
        frames = read_video(entry.path, backend=self.backend)
        if self.frame_size is not None:
            frames = resize_center_crop(frames, self.frame_size)
        return ProbeMovie(entry.video, entry.block, entry.scene, entry.is_possible, frames)

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """(possible id, impossible id) pairs sharing the longest identical prefix in a scene.

        Computed on first use (reads every labelled movie once) and kept in memory.
        """
        if self._pairs is None:
            by_id = {entry.video: entry for entry in self.entries}
            self._pairs = [
                pair
                for scene in self.scenes.values()
                for pair in self._scene_pairs([by_id[video] for video in scene])
            ]
        return self._pairs

    def _scene_pairs(self, movies: list[ProbeEntry]) -> list[tuple[str, str]]:
        possible = [e for e in movies if e.is_possible]
        impossible = [e for e in movies if e.is_possible is False]
        if len(possible) > 1:  # frames matter only when there is a choice of partner
            frames = {e.video: self._thumbnails(e.path) for e in possible + impossible}
        else:
            frames = {e.video: torch.empty(0) for e in possible + impossible}
        groups = {e.video: e.pair for e in movies if e.pair is not None}
        return match_pairs(
            {e.video: frames[e.video] for e in possible},
            {e.video: frames[e.video] for e in impossible},
            groups,
        )

    def _thumbnails(self, path: Path) -> Tensor:
        return thumbnails(read_video(path, backend=self.backend))
