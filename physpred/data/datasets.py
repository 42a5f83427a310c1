"""Datasets: random training clips from a folder of videos, and probe movies with their pairs."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import replace
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
    find_videos,
    incomplete_scenes,
)
from physpred.data.masks import default_mask_file, kinds_from_names, read_mask_file
from physpred.data.pairs import match_pairs, thumbnails
from physpred.data.probe_checks import scene_problems, summarise, unsafe_names
from physpred.data.probe_layouts import read_probe_set
from physpred.data.readers import (
    IMAGE_EXTENSIONS,
    Backend,
    VideoReadError,
    read_mask_folder,
    read_video,
    video_info,
)
from physpred.data.transforms import resize_center_crop, resize_center_crop_masks
from physpred.types import MaskedClip, ProbeMovie

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


class VideoClipDataset(Dataset[Tensor | MaskedClip]):
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
        masks: items are :class:`physpred.types.MaskedClip` (frames, their instance masks
            resized and cropped alike, and what each id is), the masks read from each video's
            mask file (the manifest's ``masks``, else ``<stem>.masks.npz`` beside the video).

    Attributes:
        videos: (path, frame count) of each usable video.
        entries: the same as :class:`physpred.data.layouts.VideoEntry` (mask files included).

    Raises:
        ValueError: no video is long enough for one clip.
        FileNotFoundError: ``masks`` is set and a video has no mask file.
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
        masks: bool = False,
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
        self.on_error, self.backend, self.masks = on_error, backend, masks
        self.span = clip_span(context_frames, future_frames, frame_step)
        self.skipped: dict[Path, str] = {}
        entries = find_videos(root, allow_outside_root) if videos is None else list(videos)
        self.entries: list[VideoEntry] = self._usable(entries)
        self.videos: list[tuple[Path, int]] = [(e.path, e.num_frames) for e in self.entries]
        if masks:
            self.entries = [_with_mask_file(entry) for entry in self.entries]
        if not self.videos:
            raise ValueError(
                f"{root}: none of {len(entries)} videos holds one clip of {self.span} frames "
                f"(context_frames={context_frames}, future_frames={future_frames}, "
                f"frame_step={frame_step}); use longer videos or a shorter clip"
            )

    def __len__(self) -> int:
        return len(self.videos) * self.clips_per_video

    def __getitem__(self, index: int) -> Tensor | MaskedClip:
        """A clip, uint8 (C + M, 3, S, S): of ``motion_candidates`` draws, the most moving; with
        ``masks`` a :class:`physpred.types.MaskedClip` of it."""
        generator, video = self._start(index)
        clips = [self._read(video, generator) for _ in range(self.motion_candidates)]
        frames = (clip.frames if isinstance(clip, MaskedClip) else clip for clip in clips)
        scores = [motion_score(f, self.context_frames) for f in frames]
        return clips[scores.index(max(scores))]

    def _read(self, video: int, generator: torch.Generator) -> Tensor | MaskedClip:
        """A clip from ``video`` at a random start, or (on_error skip) from another video."""
        while True:
            path, indices = self._draw(video, generator)
            try:
                frames = read_video(path, indices, backend=self.backend)  # (T, 3, H, W)
                clip = resize_center_crop(frames, self.frame_size)
                if not self.masks:
                    return clip
                return self._with_masks(self.entries[video], clip, frames.shape[-2:], indices)
            except VideoReadError as error:
                if self.on_error == "raise":
                    raise
                self._skip(path, str(error))
            video = self._another_video(generator)

    def _with_masks(
        self, entry: VideoEntry, clip: Tensor, size: tuple[int, int], indices: list[int]
    ) -> MaskedClip:
        """``clip`` (T, 3, S, S) with the masks of the same source frames (as read, ``size``)."""
        assert entry.masks is not None  # set for every entry when masks are asked for
        masks, names = read_mask_file(entry.masks)
        if masks.shape[1:] != tuple(size) or len(masks) <= max(indices):
            raise VideoReadError(
                f"{entry.masks}: masks of {len(masks)} frames of {masks.shape[1]}x{masks.shape[2]} "
                f"do not fit {entry.path} (frame {max(indices)} of {size[0]}x{size[1]} asked for); "
                "make them again with `physpred world videos --masks`"
            )
        ids = resize_center_crop_masks(torch.from_numpy(masks[indices]), self.frame_size)
        return MaskedClip(clip, ids, kinds_from_names(names, entry.masks))

    def whole_video(self, video: int, masks: bool | None = None) -> Tensor | MaskedClip:
        """Video ``video`` read whole at the clip's frame step, from its first frame: uint8
        (R, 3, S, S), R = ceil(frame count / frame_step), or with ``masks`` (None: the dataset's
        ``masks``) a MaskedClip of it; for a perception that learns nothing to see once and cut
        clips from (``physpred.lit.see_once``).

        Raises:
            VideoReadError: the video (or its mask file) cannot be read.
        """
        path, num_frames = self.videos[video]
        indices = list(range(0, num_frames, self.frame_step))
        frames = read_video(path, indices, backend=self.backend)
        clip = resize_center_crop(frames, self.frame_size)
        with_masks = self.masks if masks is None else masks
        return self._with_masks(self.entries[video], clip, frames.shape[-2:], indices) if with_masks else clip

    def __iter__(self) -> Iterator[Tensor | MaskedClip]:
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

    def _usable(self, entries: Sequence[VideoEntry]) -> list[VideoEntry]:
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
                usable.append(replace(entry, num_frames=num_frames))
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


def _with_mask_file(entry: VideoEntry) -> VideoEntry:
    """``entry`` with its mask file (the manifest's, else the one beside the video).

    Raises:
        FileNotFoundError: there is no such file.
    """
    masks = entry.masks or default_mask_file(entry.path)
    if not masks.is_file():
        raise FileNotFoundError(
            f"{masks}: no instance masks for {entry.path}; make the videos with "
            "`physpred world videos --masks`, or train without masks (data.masks false)"
        )
    return replace(entry, masks=masks)


def _check_mask_count(root: Path, entry: ProbeEntry) -> None:
    """Raise a one-line :class:`ValueError` naming the movie if it has a ``masks/`` folder whose
    images do not match its frame images one for one (checked up front: scoring may run long)."""
    if entry.masks is None or not entry.path.is_dir():
        return
    masks, frames = (
        sum(p.suffix.lower() in IMAGE_EXTENSIONS for p in folder.iterdir())
        for folder in (entry.masks, entry.path)
    )
    if masks != frames:
        raise ValueError(
            f"{root}: movie {entry.video} has {masks} masks for {frames} frames; "
            "its masks/ folder needs one mask per frame of scene/"
        )


def item_seed(seed: int, epoch: int, index: int) -> int:
    """A 63-bit seed mixing (seed, epoch, index); neighbouring inputs give unrelated seeds."""
    return int(np.random.SeedSequence([seed, epoch, index]).generate_state(1, np.uint64)[0] >> 1)


class SequenceWindows(Dataset[tuple[Tensor, Tensor]]):
    """Random windows of stored sequences, drawn as :class:`VideoClipDataset` draws clips.

    Item ``i`` is a window of ``window`` steps of sequence ``i // windows_per_sequence`` at a
    start drawn uniformly from its valid steps, with a generator seeded from (seed, epoch, i);
    indices past ``len(self)`` encode the epoch, as
    :class:`physpred.data.datamodule.EpochSampler` passes it. What a model computed once from
    whole videos (the percepts of a perception that learns nothing) is trained on this way, as
    clips are.

    Args:
        sequences: (N, R, ...) N sequences of R steps (a shorter one padded at its end).
        lengths: (N,) int64, each sequence's valid steps, at least ``window``.
        extras: (N, ...) what goes with each sequence whole (returned with each of its windows).
        window: W, steps per window.
        windows_per_sequence: items per sequence in one epoch.
        seed: base of every draw.
        focus: (M, 2) int64 moments (sequence, step) to train on more often, or None; each adds
            ``focus_windows`` items per epoch, windows drawn among those that hold the moment
            at least ``focus_margin[0]`` steps after their first and ``focus_margin[1]`` before
            their last.
        focus_windows: items per focus moment per epoch.
        focus_margin: (before, after) steps a focus window keeps around its moment.

    Raises:
        ValueError: the shapes disagree, a sequence is shorter than one window, or a focus
            moment lies outside its sequence or cannot fit its margins in a window.
    """

    def __init__(
        self,
        sequences: Tensor,
        lengths: Tensor,
        extras: Tensor,
        window: int,
        windows_per_sequence: int = 1,
        seed: int = 0,
        focus: Tensor | None = None,
        focus_windows: int = 1,
        focus_margin: tuple[int, int] = (0, 0),
    ) -> None:
        if not len(sequences) == len(lengths) == len(extras):
            raise ValueError(f"{len(sequences)} sequences, {len(lengths)} lengths and {len(extras)} extras: one of each per sequence")
        if window < 1 or windows_per_sequence < 1 or focus_windows < 1:
            raise ValueError(f"window ({window}), windows_per_sequence ({windows_per_sequence}) and focus_windows ({focus_windows}) must be >= 1")
        if len(lengths) and int(lengths.min()) < window:
            raise ValueError(f"a sequence of {int(lengths.min())} steps is shorter than one window ({window})")
        before, after = focus_margin
        if focus is None:
            focus = torch.zeros(0, 2, dtype=torch.long)
        elif before < 0 or after < 0 or before + after >= window:
            raise ValueError(f"focus_margin {focus_margin} must be two steps >= 0 that leave the moment inside a window of {window}")
        if len(focus) and not ((focus[:, 1] >= before) & (focus[:, 1] + after < lengths[focus[:, 0]])).all():
            raise ValueError(f"a focus moment lies within {focus_margin} steps of its sequence's ends")
        self.sequences, self.lengths, self.extras = sequences, lengths, extras
        self.window, self.windows_per_sequence, self.seed = window, windows_per_sequence, seed
        self.focus, self.focus_windows, self.focus_margin = focus, focus_windows, focus_margin

    def __len__(self) -> int:
        return len(self.sequences) * self.windows_per_sequence + len(self.focus) * self.focus_windows

    def __getitem__(self, index: int) -> tuple[Tensor, Tensor]:
        """(W, ...) one window and (...) its sequence's extras."""
        if index < 0:
            raise IndexError(f"index {index} < 0")
        epoch, item = divmod(index, len(self))
        generator = torch.Generator().manual_seed(item_seed(self.seed, epoch, item))
        plain = len(self.sequences) * self.windows_per_sequence
        if item < plain:
            sequence = item // self.windows_per_sequence
            start = random_clip_start(int(self.lengths[sequence]), self.window, generator)
        else:
            sequence, step = self.focus[(item - plain) // self.focus_windows].tolist()
            before, after = self.focus_margin
            first = max(0, step + after + 1 - self.window)
            last = min(step - before, int(self.lengths[sequence]) - self.window)
            start = first + int(torch.randint(last - first + 1, (), generator=generator))
        return self.sequences[sequence, start : start + self.window], self.extras[sequence]


class ProbeDataset(Dataset[ProbeMovie]):
    """The movies of a violation-of-expectation probe set, one :class:`ProbeMovie` per item.

    Args:
        root: a probe folder in one of the layouts of :mod:`physpred.data.probe_layouts`
            (IntPhys, CSV manifest, IntPhys 2, GRASP, InfLevel-lab).
        frame_size: resize/centre-crop frames to S x S; None keeps them as stored.
        backend: video decoder for mp4 probes.
        incomplete: a scene that is not a full quadruplet or has a movie without frames (see
            :func:`physpred.data.layouts.incomplete_scenes`): "raise" an
            :class:`IncompleteSceneError` naming the first, or "skip" such scenes (warned,
            listed in ``left_out``).
        layout: the layout's name (see :data:`physpred.data.probe_layouts.LAYOUTS`); None
            detects it.
        masks: load the masks of the movies that have them; False: none (a scorer that needs
            none is spared a mask file per frame: 3 s of the 85 s ``physpred probe`` takes on
            the demo's test probes).

    A movie with a ``masks/`` folder comes with its instance masks (resized like its frames,
    nearest-neighbour) and what each id is (from ``header.masks``); movies without one come
    without, which every scorer that needs no masks is content with.

    Attributes:
        layout: the :class:`~physpred.data.probe_layouts.ProbeLayout` read.
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
        layout: str | None = None,
        masks: bool = True,
    ) -> None:
        if incomplete not in ("skip", "raise"):
            raise ValueError(f"incomplete must be 'skip' or 'raise', got {incomplete!r}")
        self.root, self.frame_size, self.backend, self.masks = Path(root), frame_size, backend, masks
        self.layout, entries = read_probe_set(root, layout)
        unsafe = unsafe_names(entries)
        if unsafe:  # block names and movie ids become file names of the report and the store
            raise ValueError(
                f"{root}: {summarise(unsafe)} would leave the output folder as a file name; "
                "rename it (a block: no '/' or '..'; a movie or scene: no '..' or absolute path; "
                "a CSV lists movies in or below its own folder)"
            )
        counts = {e.video: max(0, _frame_count(e.path, backend) - e.first_frame) for e in entries}
        problems = {
            **incomplete_scenes(entries, self.layout.per_label),
            **scene_problems(entries, counts),
        }
        scenes = dict.fromkeys(e.scene for e in entries)
        self.left_out = {scene: problems[scene] for scene in scenes if scene in problems}
        if self.left_out and incomplete == "raise":
            scene, reason = next(iter(self.left_out.items()))
            others = len(self.left_out) - 1
            more = f"; {others} other scene(s) too" if others else ""
            raise IncompleteSceneError(self.root, scene, reason + more)
        if self.left_out:
            logger.warning(
                "leaving out %d incomplete probe scene(s): %s",
                len(self.left_out),
                summarise([f"{scene} ({reason})" for scene, reason in self.left_out.items()]),
            )
        self.entries = [entry for entry in entries if entry.scene not in self.left_out]
        if not self.entries:
            raise ValueError(f"{root}: all {len(self.left_out)} probe scenes are incomplete")
        for entry in self.entries:
            _check_mask_count(self.root, entry)
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
        frames = read_video(entry.path, backend=self.backend)[entry.first_frame :]
        masks = kinds = None
        if self.masks and entry.masks is not None:
            masks = read_mask_folder(entry.masks)  # (T, H, W)
            if masks.shape[0] != frames.shape[0] or masks.shape[1:] != frames.shape[2:]:
                raise VideoReadError(
                    f"{self.root}: movie {entry.video} has {masks.shape[0]} masks of "
                    f"{masks.shape[1]}x{masks.shape[2]} for {frames.shape[0]} frames of "
                    f"{frames.shape[2]}x{frames.shape[3]}; a mask is needed for every frame"
                )
            kinds = kinds_from_names(entry.mask_names, entry.path.parent / "status.json")
        if self.frame_size is not None:
            frames = resize_center_crop(frames, self.frame_size)
            masks = None if masks is None else resize_center_crop_masks(masks, self.frame_size)
        return ProbeMovie(
            entry.video, entry.block, entry.scene, entry.is_possible, frames, masks, kinds
        )

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

    def event_pairs(self, block: str, event: str) -> list[tuple[int, int]]:
        """(possible index, impossible index) of the :attr:`pairs` whose impossible movie shows
        ``event`` in ``block`` (e.g. ``"O1"``, ``"vanish"``), as items of this dataset."""
        index = {video: i for i, video in enumerate(self.movies)}
        return [
            (index[possible], index[impossible])
            for possible, impossible in self.pairs
            if self.entries[index[impossible]].block == block and self.entries[index[impossible]].event == event
        ]

    def _scene_pairs(self, movies: list[ProbeEntry]) -> list[tuple[str, str]]:
        possible = [e for e in movies if e.is_possible]
        impossible = [e for e in movies if e.is_possible is False]
        if self.layout.declared_pairs:  # the benchmark names the partners: no frames to read
            partner = {e.pair: e.video for e in possible}
            return [(partner[e.pair], e.video) for e in impossible if e.pair in partner]
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


def _frame_count(path: Path, backend: Backend) -> int:
    """Frames of a probe movie; 0 when it has none or cannot be opened (reported elsewhere)."""
    try:
        return video_info(path, backend).num_frames
    except VideoReadError:
        return 0
