"""Read frames from a video file (decord or PyAV) or from a folder of PNG/JPEG frames.

Every reader returns uint8 (T, C, H, W) RGB tensors holding only the frames asked for, and
every failure a user can cause becomes a :class:`VideoReadError` that names the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any, Literal, TypeVar

import numpy as np
import torch
from torch import Tensor

VIDEO_EXTENSIONS = (".mp4", ".avi", ".mkv", ".webm", ".mov")
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")
Backend = Literal["auto", "decord", "pyav"]
T = TypeVar("T")


class VideoReadError(RuntimeError):
    """A video or frame folder could not be read; the message names the file."""


@dataclass(frozen=True)
class VideoInfo:
    """What a video holds.

    Attributes:
        num_frames: number of decodable frames.
        fps: frames per second as stored in the file; 0.0 for frame folders (unknown).
        height: frame height in pixels.
        width: frame width in pixels.
    """

    num_frames: int
    fps: float
    height: int
    width: int


def is_video_file(path: Path) -> bool:
    """True for a file whose extension is one of :data:`VIDEO_EXTENSIONS`."""
    return path.is_file() and path.suffix.lower() in VIDEO_EXTENSIONS


def read_video(
    path: str | Path, indices: Sequence[int] | None = None, backend: Backend = "auto"
) -> Tensor:
    """Decode the frames ``indices`` (all frames when None) of a video file or frame folder.

    Args:
        path: an mp4/avi/mkv/webm/mov file, or a folder of PNG/JPEG frames (sorted by name).
        indices: frame numbers to return, in the order wanted (repeats allowed).
        backend: "decord", "pyav", or "auto" (decord when importable, PyAV when decord is
            missing or fails on this file). Ignored for frame folders.

    Returns:
        uint8 (T, 3, H, W) RGB frames, T = len(indices) or the number of frames.

    Raises:
        VideoReadError: the file is missing, corrupt, or has fewer frames than asked for.
    """
    path = Path(path)
    if path.is_dir():
        return _read_frame_folder(path, indices)
    _check_file(path)
    wanted = None if indices is None else [int(i) for i in indices]
    if wanted is not None and any(i < 0 for i in wanted):
        raise VideoReadError(f"{path}: negative frame index in {wanted}")
    frames = _dispatch(path, backend, lambda b: _READERS[b](path, wanted))
    return _to_tensor(frames)


def video_info(path: str | Path, backend: Backend = "auto") -> VideoInfo:
    """Frame count, frame rate and size of a video file or frame folder.

    Args:
        path: a video file or a folder of PNG/JPEG frames.
        backend: as in :func:`read_video`.

    Returns:
        The :class:`VideoInfo`.

    Raises:
        VideoReadError: the file is missing or cannot be opened.
    """
    path = Path(path)
    if path.is_dir():
        files = _frame_files(path)
        height, width = _read_image(files[0]).shape[:2]
        return VideoInfo(num_frames=len(files), fps=0.0, height=height, width=width)
    _check_file(path)
    return _dispatch(path, backend, lambda b: _INFOS[b](path))


def _check_file(path: Path) -> None:
    if not path.exists():
        raise VideoReadError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise VideoReadError(f"{path}: file is empty (0 bytes); re-export or delete it")


def _dispatch(path: Path, backend: Backend, call: Callable[[str], T]) -> T:
    """Run ``call(backend_name)``, falling back from decord to PyAV under "auto"."""
    if backend not in ("auto", "decord", "pyav"):
        raise ValueError(f"backend must be 'auto', 'decord' or 'pyav', got {backend!r}")
    if backend == "decord" and _decord() is None:
        raise VideoReadError(f"{path}: backend='decord' asked for, but decord cannot be imported")
    if backend != "auto":
        return call(backend)
    if _decord() is None:
        return call("pyav")
    try:
        return call("decord")
    except VideoReadError as decord_error:
        try:
            return call("pyav")
        except VideoReadError as pyav_error:
            raise VideoReadError(f"{pyav_error} (decord: {decord_error})") from pyav_error


@lru_cache(maxsize=1)
def _decord() -> ModuleType | None:
    """decord, imported on first use (slow import, x86 only); None when unavailable."""
    try:
        import decord
    except Exception:  # any import failure (missing wheel, broken shared lib) means "use PyAV"
        return None
    return decord


def _decord_reader(path: Path) -> Any:
    """A ``decord.VideoReader`` (typed Any: decord is imported lazily)."""
    decord = _decord()
    try:
        return decord.VideoReader(str(path), ctx=decord.cpu(0), num_threads=1)
    except Exception as error:  # DECORDError is not a RuntimeError
        raise VideoReadError(f"{path}: decord cannot open it ({_first_line(error)})") from error


def _read_decord(path: Path, indices: list[int] | None) -> np.ndarray:
    reader = _decord_reader(path)
    count = len(reader)
    wanted = list(range(count)) if indices is None else indices
    _check_range(path, wanted, count)
    try:
        return reader.get_batch(wanted).asnumpy()
    except Exception as error:
        raise VideoReadError(f"{path}: decord failed to decode ({_first_line(error)})") from error


def _info_decord(path: Path) -> VideoInfo:
    reader = _decord_reader(path)
    height, width = reader[0].shape[:2] if len(reader) else (0, 0)
    return VideoInfo(len(reader), float(reader.get_avg_fps()), int(height), int(width))


def _read_pyav(path: Path, indices: list[int] | None) -> np.ndarray:
    import av

    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            wanted = set(indices) if indices is not None else None
            found = _decode_pyav(container, stream, wanted)
    except (av.FFmpegError, IndexError, UnicodeDecodeError) as error:
        raise VideoReadError(f"{path}: PyAV cannot decode it ({_first_line(error)})") from error
    if indices is None:
        if not found:
            raise VideoReadError(f"{path}: no decodable video frames")
        return np.stack([found[i] for i in sorted(found)])
    missing = sorted(set(indices) - found.keys())
    if missing:
        last = f"the last decodable frame is {max(found)}" if found else "none decoded"
        raise VideoReadError(
            f"{path}: frames {missing[:5]} could not be decoded ({last}; truncated?)"
        )
    return np.stack([found[i] for i in indices])


def _decode_pyav(container: Any, stream: Any, wanted: set[int] | None) -> dict[int, np.ndarray]:
    """Decode the frames in ``wanted`` (all when None), seeking near the first one.

    Frame numbers come from presentation timestamps (exact for constant frame rates); from
    frame 0 they are counted instead, which is exact for any file.
    """
    from av.video.reformatter import VideoReformatter

    first = min(wanted) if wanted else 0
    last = max(wanted) if wanted else None
    rate = stream.average_rate or stream.guessed_rate
    start = stream.start_time or 0
    seekable = first > 0 and rate is not None and stream.time_base is not None
    if seekable:
        target = start + int(Fraction(first) / Fraction(rate) / stream.time_base)
        container.seek(target, stream=stream, backward=True, any_frame=False)
    to_rgb = VideoReformatter()  # one converter for all frames (per-frame setup costs ~0.5 ms)
    found: dict[int, np.ndarray] = {}
    for count, frame in enumerate(container.decode(stream)):
        index = count
        if seekable and frame.pts is not None:
            index = round((frame.pts - start) * stream.time_base * rate)
        if wanted is None or index in wanted:
            found[index] = to_rgb.reformat(frame, format="rgb24").to_ndarray()
        if last is not None and index >= last:
            break
    return found


def _info_pyav(path: Path) -> VideoInfo:
    import av

    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            count = stream.frames or sum(1 for p in container.demux(stream) if p.size)
            rate = stream.average_rate or stream.guessed_rate or 0
            return VideoInfo(
                count, float(rate), stream.codec_context.height, stream.codec_context.width
            )
    except (av.FFmpegError, IndexError, UnicodeDecodeError) as error:
        raise VideoReadError(f"{path}: PyAV cannot open it ({_first_line(error)})") from error


_READERS = {"decord": _read_decord, "pyav": _read_pyav}
_INFOS = {"decord": _info_decord, "pyav": _info_pyav}


def _read_frame_folder(folder: Path, indices: Sequence[int] | None) -> Tensor:
    files = _frame_files(folder)
    wanted = list(range(len(files))) if indices is None else [int(i) for i in indices]
    _check_range(folder, wanted, len(files))
    cache: dict[int, np.ndarray] = {}
    for i in wanted:
        if i not in cache:
            cache[i] = _read_image(files[i])
    shapes = {a.shape for a in cache.values()}
    if len(shapes) > 1:
        raise VideoReadError(f"{folder}: frames differ in size {sorted(shapes)}")
    frames = np.stack([cache[i] for i in wanted])
    return _to_tensor(frames)


def read_mask_folder(folder: str | Path, indices: Sequence[int] | None = None) -> Tensor:
    """Read instance masks stored one 8-bit PNG per frame (``masks/masks_001.png ...``).

    Args:
        folder: the folder, its files numbered like the frames they belong to.
        indices: frame numbers to return (all when None).

    Returns:
        uint8 (T, H, W) ids, as stored (never resampled or converted).

    Raises:
        VideoReadError: a missing or unreadable file, a gap in the numbers, or an image that is
            not 8-bit single-channel (grey, palette indices, or RGB with equal channels).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise VideoReadError(f"{folder}: no such mask folder")
    files = _frame_files(folder)
    wanted = list(range(len(files))) if indices is None else [int(i) for i in indices]
    _check_range(folder, wanted, len(files))
    cache = {i: _read_mask(files[i]) for i in dict.fromkeys(wanted)}
    shapes = {a.shape for a in cache.values()}
    if len(shapes) > 1:
        raise VideoReadError(f"{folder}: masks differ in size {sorted(shapes)}")
    return torch.from_numpy(np.stack([cache[i] for i in wanted]))


def _read_mask(path: Path) -> np.ndarray:
    """(H, W) uint8 ids from an 8-bit PNG: grey values or palette indices as they are."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            mode, values = image.mode, np.asarray(image)
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError) as error:
        raise VideoReadError(f"{path}: not a readable image ({_first_line(error)})") from error
    if mode in ("RGB", "RGBA") and (values[..., :3] == values[..., :1]).all():
        return np.ascontiguousarray(values[..., 0])
    if mode not in ("L", "P"):
        raise VideoReadError(f"{path}: a mask must be an 8-bit single-channel PNG, got mode {mode}")
    return values


def _frame_files(folder: Path) -> list[Path]:
    """The image files of a frame folder in frame order; a gap in their numbers is an error."""
    files = sorted(
        (p for p in folder.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS),
        key=lambda p: natural_key(p.name),
    )
    if not files:
        raise VideoReadError(f"{folder}: no PNG/JPEG frames in this folder")
    numbers = [_trailing_number(p) for p in files]
    if None not in numbers:
        expected = range(numbers[0], numbers[0] + len(numbers))
        for number, want in zip(numbers, expected, strict=True):
            if number != want:
                raise VideoReadError(
                    f"{folder}: frame {want} is missing (found {files[0].name} .. "
                    f"{files[-1].name} with a gap before number {number})"
                )
    return files


def _read_image(path: Path) -> np.ndarray:
    """(H, W, 3) uint8 RGB from any PNG/JPEG (palette, grey, 16-bit grey, RGBA converted)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            if image.mode.startswith("I"):  # 16-bit grey: PIL's convert("RGB") would clip it to white
                grey = np.asarray(image).astype(np.float64) * (255 / 65535)
                return np.repeat(np.round(grey).clip(0, 255).astype(np.uint8)[..., None], 3, axis=2)
            return np.asarray(image.convert("RGB"))
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError) as error:
        raise VideoReadError(f"{path}: not a readable image ({_first_line(error)})") from error


def _check_range(path: Path, indices: Sequence[int], count: int) -> None:
    bad = [i for i in indices if not 0 <= i < count]
    if bad:
        raise VideoReadError(f"{path}: has {count} frames, asked for frame(s) {bad[:5]}")


def natural_key(text: str) -> list[int | str]:
    """Sort key that orders ``"scene_2.png"`` before ``"scene_10.png"``."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


def _trailing_number(path: Path) -> int | None:
    match = re.search(r"(\d+)$", path.stem)
    return int(match.group(1)) if match else None


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:200] if text else type(error).__name__


def _to_tensor(frames: np.ndarray) -> Tensor:
    """(T, H, W, C) array -> contiguous (T, C, H, W) tensor (numpy copy: no torch thread pool)."""
    return torch.from_numpy(np.ascontiguousarray(frames.transpose(0, 3, 1, 2)))
