"""LightningDataModules: training clips (``VideoDataModule``) and probe movies (``ProbeDataModule``)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import pytorch_lightning as pl
import torch
from torch import Tensor
from torch.utils.data import DataLoader, Dataset, Sampler, SequentialSampler, Subset

from physpred.data.datasets import OnError, ProbeDataset, VideoClipDataset
from physpred.data.layouts import VideoEntry
from physpred.data.readers import Backend, VideoReadError, read_video
from physpred.data.transforms import VideoAugmentation
from physpred.types import ClipGeometry, MaskedClip, ProbeMovie

E = TypeVar("E")
logger = logging.getLogger(__name__)


class EpochSampler(Sampler[int]):
    """Indices ``epoch * n + i``, i shuffled per epoch, for :class:`VideoClipDataset`.

    The offset tells the dataset (even inside persistent workers) which epoch it is serving, so
    every epoch draws new clips, reproducibly. Lightning calls ``set_epoch`` before each
    training epoch; where nobody does (e.g. inside a distributed sampler wrapper), each pass
    moves on to the next epoch by itself.

    Args:
        num_items: n, the dataset length.
        seed: seed of the permutations.
    """

    def __init__(self, num_items: int, seed: int) -> None:
        self.num_items, self.seed, self.epoch = num_items, seed, 0

    def set_epoch(self, epoch: int) -> None:
        """Serve epoch ``epoch`` next."""
        self.epoch = epoch

    def __iter__(self) -> Iterator[int]:
        epoch, self.epoch = self.epoch, self.epoch + 1
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
        order = torch.randperm(self.num_items, generator=generator).tolist()
        return (epoch * self.num_items + i for i in order)

    def __len__(self) -> int:
        return self.num_items


def split_train_val(items: Sequence[E], val_fraction: float, seed: int) -> tuple[list[E], list[E]]:
    """Split items (videos, not clips, so no video is in both) into train and val, seeded.

    ``round(n * val_fraction)`` items go to val, at least one when ``val_fraction > 0``.

    Raises:
        ValueError: val_fraction outside [0, 1), or too few items for both sides.
    """
    if not 0 <= val_fraction < 1:
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction}")
    num_val = max(1, round(len(items) * val_fraction)) if val_fraction > 0 else 0
    if num_val >= len(items):
        raise ValueError(
            f"{len(items)} usable video(s) cannot be split with val_fraction={val_fraction}; "
            "add videos or set val_fraction=0"
        )
    order = torch.randperm(len(items), generator=torch.Generator().manual_seed(seed)).tolist()
    val = sorted(order[:num_val])
    train = sorted(order[num_val:])
    return [items[i] for i in train], [items[i] for i in val]


class VideoDataModule(pl.LightningDataModule):
    """Training and validation clips from a folder of videos.

    Batches are uint8 (B, T, 3, S, S), T = context_frames + future_frames, S = frame_size; with
    ``masks`` a :class:`physpred.types.MaskedClip` of frames (B, T, 3, S, S), masks (B, T, S, S)
    and kinds (B, 256). The split is by video. Validation clips are the same every epoch; training clips change. The
    four clip options make its ``geometry``, which the CLI links to the model.

    Args:
        root: folder with ``manifest.jsonl`` (``physpred world videos``) or any video files.
        context_frames: C.
        future_frames: M.
        frame_step: source frames between clip frames.
        frame_size: S.
        batch_size: B.
        num_workers: DataLoader worker processes (persistent when > 0).
        val_fraction: share of videos held out for validation (0 disables validation).
        seed: seed of the split and of every clip draw.
        on_error: broken videos: "skip" (warn, count, draw another) or "raise".
        augmentation: applied to training batches on the device; None for none.
        clips_per_video: training clips per video per epoch.
        backend: video decoder ("auto", "decord", "pyav").
        allow_outside_root: accept manifest paths that are absolute or leave ``root``.
        motion_candidates: training clips drawn per item, the most moving kept
            (:class:`physpred.data.VideoClipDataset`); validation clips are never chosen.
        masks: batches carry each clip's instance masks (videos made with
            ``physpred world videos --masks``); augmentation moves them with the frames.
        test_root: a folder of held-out videos for ``physpred test`` and ``predict`` (one clip
            each, fixed); None: they use the validation split, and say so.
        train_videos: train on only the first this many videos of the training split (for a
            smaller budget; validation unchanged); None: all of them.
    """

    def __init__(
        self,
        root: str,
        context_frames: int = 8,
        future_frames: int = 4,
        frame_step: int = 1,
        frame_size: int = 64,
        batch_size: int = 16,
        num_workers: int = 2,
        val_fraction: float = 0.1,
        seed: int = 0,
        on_error: OnError = "skip",
        augmentation: VideoAugmentation | None = None,
        clips_per_video: int = 1,
        backend: Backend = "auto",
        allow_outside_root: bool = False,
        motion_candidates: int = 1,
        masks: bool = False,
        test_root: str | None = None,
        train_videos: int | None = None,
    ) -> None:
        super().__init__()
        if train_videos is not None and train_videos < 1:
            raise ValueError(f"data.train_videos must be at least 1 (or null for all), got {train_videos}")
        self.save_hyperparameters(ignore=["augmentation"])
        self.root, self.batch_size, self.num_workers = root, batch_size, num_workers
        self.geometry = ClipGeometry(context_frames, future_frames, frame_step, frame_size)
        self.val_fraction, self.seed, self.on_error = val_fraction, seed, on_error
        self.augmentation = augmentation
        self.clips_per_video, self.backend = clips_per_video, backend
        self.allow_outside_root = allow_outside_root
        self.motion_candidates, self.masks = motion_candidates, masks
        self.test_root, self.train_videos = test_root, train_videos
        self.train_set: VideoClipDataset | None = None
        self.val_set: VideoClipDataset | None = None
        self.train_items: Dataset[Any] | None = None
        self.train_collate: Callable[[list[Any]], Any] | None = None

    def setup(self, stage: str | None = None) -> None:
        """Find the videos, drop unusable ones (logged), split them by video."""
        if self.train_set is not None:
            return
        every = self._dataset(None, clips_per_video=1)
        train, val = split_train_val(every.entries, self.val_fraction, self.seed)
        train = train[: self.train_videos]
        self.train_set = self._dataset(train, self.clips_per_video, self.motion_candidates)
        self.val_set = self._validation_set(val)

    def _validation_set(self, videos: list[VideoEntry]) -> VideoClipDataset | None:
        """The validation clips; under ``on_error="skip"`` only those that decode.

        A broken training video is replaced by another one, but validation has few videos and
        fixed clips: if every one is broken there is nothing to draw instead. So its clips are
        decoded once here, videos that fail are left out (warned), and validation is disabled
        (warned) when none is left. Leaving a video out renumbers the items and so moves the
        others' clips, hence the loop.
        """
        total = len(videos)
        while videos:
            dataset = self._dataset(videos, clips_per_video=1)
            if self.on_error == "raise":
                return dataset
            broken = set()
            for index in range(len(dataset)):
                path, indices = dataset.clip_source(index)
                try:
                    read_video(path, indices, backend=self.backend)
                except VideoReadError as error:
                    logger.warning("leaving a broken video out of validation: %s", error)
                    broken.add(path)
            if not broken:
                return dataset
            videos = [entry for entry in videos if entry.path not in broken]
        if total:
            logger.warning(
                "validation disabled: all %d validation videos failed to read; "
                "set data.val_fraction higher or fix the videos",
                total,
            )
        return None

    def train_on(self, items: Dataset[Any], collate: Callable[[list[Any]], Any]) -> None:
        """Train on ``items`` instead of clips: what the model computed once from the training
        videos (e.g. :class:`physpred.data.SequenceWindows` of percepts), indexed as
        :class:`EpochSampler` indexes (new draws every epoch), batched by ``collate``, in the
        main process (they are in memory already).

        Raises:
            ValueError: an augmentation is set (it moves pixels the items no longer hold).
        """
        if self.augmentation is not None:
            raise ValueError(
                "data.augmentation moves the pixels of clips, and this model trains on what it "
                "computed once from whole videos: leave data.augmentation out"
            )
        self.train_items, self.train_collate = items, collate

    def train_dataloader(self) -> DataLoader[Tensor]:
        """Shuffled clips, new ones every epoch (or the items of :meth:`train_on`)."""
        self.setup("fit")
        if self.train_items is not None:
            items = self.train_items
            return DataLoader(
                items, batch_size=self.batch_size, sampler=EpochSampler(len(items), seed=self.seed),
                collate_fn=self.train_collate, drop_last=len(items) > self.batch_size,
            )  # fmt: skip
        sampler = EpochSampler(len(self.train_set), seed=self.seed)
        return self._loader(
            self.train_set, sampler, drop_last=len(self.train_set) > self.batch_size
        )

    def val_dataloader(self) -> DataLoader[Tensor] | list[Any]:
        """The same clips every epoch; an empty list when val_fraction is 0."""
        self.setup("validate")
        if self.val_set is None:
            return []
        return self._loader(self.val_set, SequentialSampler(self.val_set), drop_last=False)

    def test_dataloader(self) -> DataLoader[Tensor] | list[Any]:
        """The held-out clips (``physpred test``): ``test_root``'s, else the validation split."""
        return self._held_out_loader("test")

    def predict_dataloader(self) -> DataLoader[Tensor] | list[Any]:
        """The held-out clips (``physpred predict``): ``test_root``'s, else the validation split."""
        return self._held_out_loader("predict")

    def _held_out_loader(self, command: str) -> DataLoader[Tensor] | list[Any]:
        if self.test_root is None:
            logger.warning(
                "physpred %s: no data.test_root given, so this runs on the validation split "
                "(the clips fit validated on); pass --data.test_root DIR for videos of their own",
                command,
            )
            return self.val_dataloader()
        dataset = self._dataset(None, clips_per_video=1, root=self.test_root)
        return self._loader(dataset, SequentialSampler(dataset), drop_last=False)

    def on_after_batch_transfer(
        self, batch: Tensor | MaskedClip, dataloader_idx: int
    ) -> Tensor | MaskedClip:
        """Augment training batches (uint8 (B, T, 3, S, S) in and out, or a MaskedClip whose
        masks move with its frames) on their device."""
        trainer = self.trainer
        if self.augmentation is None or trainer is None or not trainer.training:
            return batch
        if isinstance(batch, MaskedClip):
            frames, masks = self.augmentation.with_masks(batch.frames, batch.masks)
            return batch._replace(frames=frames, masks=masks)
        return self.augmentation(batch)

    def _dataset(
        self,
        videos: Sequence[VideoEntry] | None,
        clips_per_video: int,
        motion_candidates: int = 1,
        root: str | None = None,
    ) -> VideoClipDataset:
        return VideoClipDataset(
            root or self.root,
            self.geometry.context_frames,
            self.geometry.future_frames,
            self.geometry.frame_step,
            self.geometry.frame_size,
            clips_per_video=clips_per_video,
            seed=self.seed,
            on_error=self.on_error,
            backend=self.backend,
            videos=videos,
            allow_outside_root=self.allow_outside_root,
            motion_candidates=motion_candidates,
            masks=self.masks,
        )

    def _loader(
        self, dataset: VideoClipDataset, sampler: Sampler[int], drop_last: bool
    ) -> DataLoader[Tensor]:
        return DataLoader(
            dataset,
            batch_size=self.batch_size,
            sampler=sampler,
            num_workers=self.num_workers,
            pin_memory=torch.cuda.is_available(),
            persistent_workers=self.num_workers > 0,
            drop_last=drop_last,
        )


def first_item(batch: list[ProbeMovie]) -> ProbeMovie:
    """Collate for batch size 1: the ProbeMovie itself."""
    return batch[0]


class ProbeDataModule(pl.LightningDataModule):
    """Probe movies one at a time, for ``predict`` (surprise per movie).

    Args:
        root: IntPhys-layout folder or CSV manifest of mp4 probes.
        frame_size: S; frames are resized/centre-cropped to S x S. None keeps them as stored
            (for scorers that resize frames themselves).
        num_workers: DataLoader worker processes.
        incomplete: scenes that are not full quadruplets: "raise" or "skip" (see
            :class:`ProbeDataset`).
        layout: the probe layout's name; None detects it (see :class:`ProbeDataset`).
        masks: load the movies' masks where present (see :class:`ProbeDataset`).
    """

    def __init__(
        self,
        root: str,
        frame_size: int | None = 64,
        num_workers: int = 0,
        incomplete: OnError = "raise",
        layout: str | None = None,
        masks: bool = True,
    ) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.root, self.frame_size, self.num_workers = root, frame_size, num_workers
        self.incomplete: OnError = incomplete
        self.layout, self.masks = layout, masks
        self._only: set[str] | None = None
        self._dataset: ProbeDataset | None = None

    @property
    def dataset(self) -> ProbeDataset:
        """The :class:`ProbeDataset` (built on first use; ``.pairs``, ``.scenes``, ``.left_out``)."""
        if self._dataset is None:
            self._dataset = ProbeDataset(
                self.root, frame_size=self.frame_size, incomplete=self.incomplete, layout=self.layout, masks=self.masks
            )
        return self._dataset

    def setup(self, stage: str | None = None) -> None:
        """Find the probe movies (errors list the accepted layouts)."""
        _ = self.dataset

    def restrict_to(self, movies: Sequence[str]) -> None:
        """Predict only these movie ids (a shard, or what an interrupted run left unscored)."""
        self._only = set(movies)

    def predict_dataloader(self) -> DataLoader[ProbeMovie]:
        """Every movie in id order (or those of :meth:`restrict_to`), as a :class:`ProbeMovie`
        with (T, 3, S, S) uint8 frames."""
        movies: Dataset[ProbeMovie] = self.dataset
        if self._only is not None:
            only = self._only
            movies = Subset(self.dataset, [i for i, v in enumerate(self.dataset.movies) if v in only])
        return DataLoader(
            movies,
            batch_size=1,
            shuffle=False,
            num_workers=self.num_workers,
            collate_fn=first_item,
        )
