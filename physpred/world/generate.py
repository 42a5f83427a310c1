"""Make training videos and probe sets: seeds, parallel workers, resume.

Each video's or quadruplet's seed derives from (seed, domain, index) only, so output is the same
whatever the number of workers, and probe scenes (domain ``probe/<block>``) never repeat training
scenes (domain ``train``).
"""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.pool
import os
import re
import shutil
import signal
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from physpred.files import atomic_path, output_lock
from physpred.world.probes import BLOCKS, Clip, Setting
from physpred.world.render import mask_names, render_masks, render_video
from physpred.world.samplers import parse_kinds, training_scene
from physpred.world.scenes import pixels_per_unit
from physpred.world.simulate import simulate
from physpred.world.splice import differing_frames
from physpred.world.styles import STYLES, restyle
from physpred.world.writers import (
    read_manifest,
    write_manifest,
    write_masks,
    write_mp4,
    write_png_movie,
)

GRAVITY = 200.0
"""Default gravity in world units per second squared (pixels at size 128, zoom 1)."""
MANIFEST_EVERY_S = 5.0
"""Seconds between manifest rewrites during a run, so an interrupted run keeps its progress."""


class WorldError(ValueError):
    """A problem the user can fix; the message names the option."""


def derive_seed(seed: int, domain: str, index: int) -> int:
    """A 32-bit seed for item ``index`` of ``domain`` ("train", "probe/O1", ...)."""
    entropy = [seed, zlib.crc32(domain.encode()), index]
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])


@dataclass(frozen=True)
class VideoJob:
    """One training video to make."""

    out: Path
    index: int
    frames: int
    size: int
    fps: int
    seed: int
    gravity: float
    kinds: tuple[tuple[str, float], ...] | None = None
    masks: bool = False


def kind_shares(kinds: Sequence[tuple[str, float]] | None) -> dict[str, float] | None:
    """``--kinds`` as recorded in the manifest: shares summing to 1, by kind name; None for
    the standard mix. Weights are relative, so ``occlusion=3,gap=2`` = ``gap=4,occlusion=6``."""
    if not kinds:
        return None
    total = sum(weight for _, weight in kinds)
    return {name: round(weight / total, 6) for name, weight in sorted(kinds)}


def video_path(index: int) -> str:
    """Path of training video ``index`` relative to the output folder."""
    return f"videos/{index:06d}.mp4"


def masks_path(index: int) -> str:
    """Path of training video ``index``'s masks relative to the output folder."""
    return f"videos/{index:06d}.masks.npz"


def make_video(job: VideoJob) -> dict:
    """Simulate, render and write one training video (and its masks when asked); returns its
    manifest entry."""
    seed = derive_seed(job.seed, "train", job.index)
    kinds = dict(job.kinds) if job.kinds else None
    scene = training_scene(np.random.default_rng(seed), job.frames, job.fps, job.gravity, kinds)
    trajectory = simulate(scene, job.frames, job.fps)
    frames = render_video(scene, trajectory, job.size, job.fps)
    masks = {}
    if job.masks:
        # Written before the video: an entry whose video exists then always has its masks.
        ids = render_masks(scene, trajectory, job.size, job.fps)
        write_masks(job.out / masks_path(job.index), ids, mask_names(scene))
        masks = {"masks": masks_path(job.index)}
    write_mp4(job.out / video_path(job.index), frames, job.fps)
    return masks | {
        "path": video_path(job.index),
        "frames": job.frames,
        "fps": job.fps,
        "size": job.size,
        "seed": seed,
        "kind": scene.kind,
        "objects": len(scene.things),
        "gravity": job.gravity,
        "kinds": kind_shares(job.kinds),
        "gravity_px": round(job.gravity * pixels_per_unit(scene.look, job.size), 6),
    }


def _quiet_worker() -> None:
    cv2.setNumThreads(1)  # parallelism comes from processes; threads would oversubscribe
    # Ctrl-C reaches the whole process group: the parent stops the pool and cleans up, and
    # workers that raised KeyboardInterrupt themselves would print a traceback each.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run(function: Callable, jobs: Sequence, workers: int) -> Iterable:
    """Results of ``function`` over ``jobs`` as they finish (any order)."""
    if workers == 1 or len(jobs) <= 1:
        return map(function, jobs)
    context = multiprocessing.get_context("spawn")
    pool = context.Pool(min(workers, len(jobs)), initializer=_quiet_worker)
    return _closing(pool, pool.imap_unordered(function, jobs, chunksize=2))


def _closing(pool: multiprocessing.pool.Pool, results: Iterable) -> Iterable:
    """Yield from ``results``, then close the pool (also when the caller stops early)."""
    with pool:
        yield from results


@contextmanager
def _interruptible(results: Iterable, temporaries: Sequence[Path]) -> Iterator[Iterable]:
    """Hand out ``results``; on Ctrl-C stop the workers, then delete what they were writing.

    Args:
        results: what :func:`_run` returned.
        temporaries: the folders whose hidden ``.NAME.tmp`` entries are output in progress
            (``.NAME.tmp.SUFFIX`` too: writers that keep the suffix).
    """
    try:
        yield results
    except KeyboardInterrupt:
        close = getattr(results, "close", None)
        if close is not None:
            close()  # terminates and joins the pool: nothing writes any more
        for folder in temporaries:
            for temporary in folder.glob(".*.tmp*"):
                if temporary.is_dir():
                    shutil.rmtree(temporary, ignore_errors=True)
                else:
                    temporary.unlink(missing_ok=True)
        raise


def check_writable(out: Path, option: str = "--out") -> None:
    """Raise :class:`WorldError` unless ``out`` can be created and written to."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".write-test-{os.getpid()}"
        probe.write_text("")
        probe.unlink()
    except OSError as error:
        raise WorldError(
            f"{option} {out}: cannot write there ({error.strerror}); choose a writable folder"
        ) from None


def _check_same_options(
    out: Path, what: str, asked: dict[str, object], made: dict[str, object], same_seed: bool
) -> None:
    """Raise :class:`WorldError` unless files already in ``out`` were made with the options
    asked for now (option -> value), so that a rerun resumes and never mixes two worlds."""
    differ = [_shown(name, made[name]) for name in asked if made[name] != asked[name]]
    if not same_seed:
        differ.append("another --seed")
    if differ:
        raise WorldError(
            f"--out {out} already holds {what} made with {', '.join(differ)}; pass the same "
            "options to resume, or choose another --out"
        )


def _shown(name: str, value: object) -> str:
    """An option as it would be typed: ``--gravity 200`` not ``200.0``, ``--kinds a=0.6,b=0.4``,
    ``--masks`` or ``no --masks`` for a switch."""
    if isinstance(value, bool):
        return name if value else f"no {name}"
    return f"{name} {_value(value)}"


def _value(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict):
        return ",".join(f"{name}={_value(share)}" for name, share in value.items())
    return "the standard mix" if value is None else str(value)


def _check_positive(values: dict[str, float]) -> None:
    """Raise :class:`WorldError` for the first option (name -> value) that is not positive."""
    for name, value in values.items():
        if value <= 0:
            raise WorldError(f"--{name} must be a positive number, got {value}")


def generate_videos(
    out: str | Path,
    videos: int,
    frames: int = 64,
    size: int = 64,
    fps: int = 15,
    seed: int = 0,
    workers: int = 2,
    gravity: float = GRAVITY,
    progress: bool = True,
    kinds: str | None = None,
    masks: bool = False,
) -> Path:
    """Write ``videos`` training videos to ``out/videos`` and list them in ``out/manifest.jsonl``.

    Videos already listed in the manifest and present on disk (with their masks, when they were
    made with masks) are kept (resume).

    Args:
        out: output folder.
        videos: number of videos.
        frames: frames per video.
        size: frame height and width in pixels (even).
        fps: frames per second; one frame is 1/fps seconds of simulated time.
        seed: root seed.
        workers: worker processes.
        gravity: world units per second squared.
        progress: show a progress bar.
        kinds: shares of scene kinds, ``"occlusion=3,gap=2"`` (default: the standard mix of
            :data:`physpred.world.samplers.TRAINING_KINDS`).
        masks: also write each video's instance masks, ``videos/NNNNNN.masks.npz``
            (:func:`physpred.world.writers.write_masks`), listed as the entry's ``masks``.

    Returns:
        The manifest's path.
    """
    _check_positive(
        {
            "videos": videos,
            "frames": frames,
            "frame_size": size,
            "fps": fps,
            "num_workers": workers,
            "gravity": gravity,
        }
    )
    if size % 2:
        raise WorldError(f"--frame_size must be even (H.264 yuv420p), got {size}")
    try:
        shares = tuple(parse_kinds(kinds).items()) if kinds else None
    except ValueError as error:
        raise WorldError(str(error)) from None
    out = Path(out)
    check_writable(out)
    with output_lock(out, "world videos"):  # two runs at once would mix two worlds
        (out / "videos").mkdir(exist_ok=True)
        check_writable(out / "videos")  # else every worker fails, and the manifest is left empty
        manifest = out / "manifest.jsonl"
        done = {e["path"]: e for e in read_manifest(manifest) if _finished(out, e)}
        asked: dict[str, object] = {"--frames": frames, "--frame_size": size, "--fps": fps}
        asked |= {"--gravity": gravity, "--kinds": kind_shares(shares), "--masks": masks}
        for entry in done.values():
            made = {"--frames": entry["frames"], "--frame_size": entry["size"], "--fps": entry["fps"]}
            # older folders recorded neither: those two options are not checked there
            made["--gravity"] = entry.get("gravity", gravity)
            made["--kinds"] = entry.get("kinds", asked["--kinds"])
            made["--masks"] = "masks" in entry
            index = re.fullmatch(r"videos/(\d+)\.mp4", entry["path"])
            same_seed = index is None or entry["seed"] == derive_seed(seed, "train", int(index[1]))
            _check_same_options(out, "videos", asked, made, same_seed)
        jobs = [
            VideoJob(out, i, frames, size, fps, seed, gravity, shares, masks)
            for i in range(videos)
            if video_path(i) not in done
        ]
        last_write = time.monotonic()
        try:
            with _interruptible(_run(make_video, jobs, workers), [out / "videos"]) as results:
                for entry in tqdm(
                    results, total=len(jobs), desc="videos", unit="video", disable=not progress
                ):
                    done[entry["path"]] = entry
                    if time.monotonic() - last_write > MANIFEST_EVERY_S:
                        write_manifest(manifest, done.values())
                        last_write = time.monotonic()
        finally:
            if done or manifest.exists():
                write_manifest(manifest, done.values())
        return manifest


def _finished(out: Path, entry: dict) -> bool:
    """Whether a manifest entry's files are all on disk."""
    return all((out / entry[key]).exists() for key in ("path", "masks") if key in entry)


@dataclass(frozen=True)
class ProbeJob:
    """One quadruplet to make."""

    folder: Path
    block: str
    name: str
    seed: int
    setting: Setting
    style: str = "standard"


def _headers(clips: list[Clip], job: ProbeJob, seed: int) -> list[dict]:
    partner = {(c.pair, c.is_possible): c for c in clips}
    return [
        {
            "is_possible": c.is_possible,
            "block": job.block,
            "scene": job.name,
            "pair": c.pair,
            "event": c.event,
            # Frames where this movie and its pair partner differ: the violation (or, in the
            # possible movie, where it would have been).
            "violation_frames": differing_frames(
                c.frames, partner[(c.pair, not c.is_possible)].frames
            ),
            "seed": seed,
            "frames": job.setting.frames,
            "size": job.setting.size,
            "fps": job.setting.fps,
            "gravity": job.setting.gravity,
            "gravity_px": round(c.gravity_px, 6),
            "style": job.style,
        }
        | ({} if c.mask_names is None else {"masks": c.mask_names})
        for c in clips
    ]


def make_quadruplet(job: ProbeJob) -> str:
    """Build one quadruplet and publish its folder ``<block>/<NN>``; returns ``<block>/<NN>``."""
    index = int(job.name.split("/")[1]) - 1
    seed = derive_seed(job.seed, f"probe/{job.block}", index)
    rng = np.random.default_rng(seed)
    clips = BLOCKS[job.block](job.setting, rng)
    numbers = rng.permutation(len(clips)) + 1  # movie numbers never reveal the label
    encoded: dict[bytes, bytes] = {}
    with atomic_path(job.folder) as temporary:
        temporary.mkdir()
        for clip, header, number in zip(clips, _headers(clips, job, seed), numbers, strict=True):
            frames = restyle(clip.frames, job.style)  # a colour map: the masks stay as they are
            write_png_movie(temporary / str(number), frames, header, encoded, clip.masks)
    return job.name


def parse_blocks(blocks: str | Sequence[str]) -> list[str]:
    """Block names from "O1,G1" or a list; raises :class:`WorldError` naming the known ones."""
    names = [b.strip() for b in blocks.split(",")] if isinstance(blocks, str) else list(blocks)
    unknown = [b for b in names if b not in BLOCKS]
    if unknown or not names:
        raise WorldError(
            f"--blocks: unknown block {', '.join(unknown) or '(none)'}; known blocks: {','.join(BLOCKS)}"
        )
    return list(dict.fromkeys(names))


def generate_probes(
    out: str | Path,
    scenes: int,
    blocks: str | Sequence[str] = tuple(BLOCKS),
    size: int = 128,
    frames: int = 100,
    seed: int = 1,
    fps: int = 15,
    workers: int = 2,
    gravity: float = GRAVITY,
    progress: bool = True,
    style: str = "standard",
    masks: bool = False,
) -> list[str]:
    """Write ``scenes`` quadruplets per block in the IntPhys dev layout under ``out``.

    ``out/<block>/<NN>/<1..4>/scene/scene_001.png ...`` and ``status.json``; a quadruplet whose
    folder exists is kept (resume).

    Args:
        out: output folder.
        scenes: quadruplets per block.
        blocks: block names, "O1,O2" or a list.
        size: frame height and width in pixels.
        frames: frames per movie (at least 48: events happen after frame 20).
        seed: root seed.
        fps: frames per second; one frame is 1/fps seconds of simulated time.
        workers: worker processes.
        gravity: world units per second squared.
        progress: show a progress bar.
        style: look of the written frames (:data:`physpred.world.styles.STYLES`); anything but
            ``standard`` is a look the training videos never show.
        masks: also write each movie's instance masks, ``masks/masks_001.png ...``, and their
            ids by name in ``status.json`` ``header.masks``.

    Returns:
        The quadruplets made in this run, as ``<block>/<NN>``.
    """
    _check_positive(
        {
            "scenes_per_block": scenes,
            "frame_size": size,
            "frames": frames,
            "fps": fps,
            "num_workers": workers,
            "gravity": gravity,
        }
    )
    if frames < 48:
        raise WorldError(
            f"--frames must be at least 48 for probes (violations come after frame 20), got {frames}"
        )
    if size < 32:
        raise WorldError(
            f"--frame_size must be at least 32 for probes (objects must hide fully), got {size}"
        )
    if style not in STYLES:
        raise WorldError(f"--style: unknown style {style!r}; known styles: {','.join(STYLES)}")
    names = parse_blocks(blocks)
    out = Path(out)
    check_writable(out)
    with output_lock(out, "world probes"):
        setting = Setting(frames, size, fps, gravity, masks)
        digits = max(2, len(str(scenes)))
        jobs = []
        for block in names:
            (out / block).mkdir(exist_ok=True)
            for i in range(1, scenes + 1):
                name = f"{block}/{i:0{digits}d}"
                if (out / name).exists():
                    own_seed = derive_seed(seed, f"probe/{block}", i - 1)
                    _check_same_probes(out, out / name, setting, style, own_seed)
                else:
                    jobs.append(ProbeJob(out / name, block, name, seed, setting, style))
        folders = [out / block for block in names]
        with _interruptible(_run(make_quadruplet, jobs, workers), folders) as results:
            return sorted(
                tqdm(results, total=len(jobs), desc="quadruplets", unit="scene", disable=not progress)
            )


def _check_same_probes(out: Path, folder: Path, setting: Setting, style: str, seed: int) -> None:
    """:func:`_check_same_options` for a finished quadruplet, from its movies' status.json."""
    asked = {
        "--frames": setting.frames,
        "--frame_size": setting.size,
        "--fps": setting.fps,
        "--gravity": setting.gravity,
        "--style": style,
        "--masks": setting.masks,
    }
    for status in sorted(folder.glob("*/status.json")):
        header = json.loads(status.read_text())["header"]
        made = {
            "--frames": header["frames"],
            "--frame_size": header["size"],
            "--fps": header["fps"],
            "--gravity": header.get("gravity", setting.gravity),  # older folders lack it
            "--style": header.get("style", "standard"),  # the only style before there were more
            "--masks": "masks" in header,
        }
        _check_same_options(out, "probes", asked, made, header["seed"] == seed)
