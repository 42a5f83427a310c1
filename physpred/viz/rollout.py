"""Write frame sequences as animations (GIF through Pillow, MP4 through PyAV), atomically."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import av
import numpy as np
from PIL import Image

from physpred.files import atomic_path
from physpred.viz.frames import Frames, to_hwc

SUFFIXES = (".gif", ".mp4")


def side_by_side(videos: Sequence[Frames], gap: int = 2) -> np.ndarray:
    """Join equally long videos left to right, e.g. true and predicted futures.

    Args:
        videos: uint8 (T, 3, H, W) videos of the same T and H (widths may differ).
        gap: white pixels between videos.

    Returns:
        uint8 (T, 3, H, W_total) numpy array.
    """
    arrays = [to_hwc(video) for video in videos]  # each (T, H, W, 3)
    lengths = {(a.shape[0], a.shape[1]) for a in arrays}
    if len(lengths) != 1:
        raise ValueError(f"videos differ in (T, H): {sorted(lengths)}")
    num_frames, height = lengths.pop()
    spacer = np.full((num_frames, height, gap, 3), 255, dtype=np.uint8)
    parts = [part for array in arrays for part in (array, spacer)][:-1]
    return np.moveaxis(np.concatenate(parts, axis=2), -1, 1)


def _write_gif(frames: np.ndarray, path: Path, fps: float) -> None:
    images = [Image.fromarray(frame) for frame in frames]
    images[0].save(
        path,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=round(1000 / fps),
        loop=0,
    )


def _write_mp4(frames: np.ndarray, path: Path, fps: float) -> None:
    # H.264 with yuv420p needs even sides: repeat the last row/column where they are odd.
    height, width = frames.shape[1:3]
    frames = np.pad(frames, ((0, 0), (0, height % 2), (0, width % 2), (0, 0)), mode="edge")
    with av.open(str(path), mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=round(fps))
        stream.width, stream.height = frames.shape[2], frames.shape[1]
        stream.pix_fmt = "yuv420p"
        # Low crf: rollouts are small and their detail is the point.
        stream.options = {"crf": "12"}
        for frame in frames:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        container.mux(stream.encode())


def save_rollout(frames: Frames, path: str | os.PathLike[str], fps: float = 8.0) -> Path:
    """Save frames as a looping GIF or an H.264 MP4, chosen by the file's suffix.

    The file is written under a temporary name in the same folder and moved into place, so a
    reader never sees a half-written file. GIF encoders merge identical consecutive frames
    into one longer frame (playback time is unchanged); use MP4 where the frame count matters.

    Args:
        frames: uint8 (T, 3, H, W) frames.
        path: destination ending in ``.gif`` or ``.mp4``; missing folders are created.
        fps: frames per second (MP4 rounds it to an integer).

    Returns:
        the path written.

    Raises:
        ValueError: on an unsupported suffix, no frames, or a non-positive fps.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"save_rollout: {path} must end in one of {SUFFIXES}")
    if fps <= 0:
        raise ValueError(f"save_rollout: fps must be positive, got {fps}")
    array = to_hwc(frames)
    if len(array) == 0:
        raise ValueError(f"save_rollout: no frames to write to {path}")
    with atomic_path(path) as temporary:
        (_write_gif if suffix == ".gif" else _write_mp4)(array, temporary, fps)
    return path
