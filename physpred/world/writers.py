"""Files: H.264 mp4, instance masks (npz), manifest.jsonl and IntPhys-layout PNG movies, all
written atomically.

Every file is written through ``physpred.files.atomic_path`` (a temporary name in its final
folder, then ``os.replace``), so an interrupted run never leaves a half-written file under a
final name.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import av
import cv2
import numpy as np

from physpred.files import atomic_path

CRF = 18
"""x264 constant rate factor: low, so compression artefacts stay below the render noise."""
KEYFRAME_INTERVAL = 16
"""Frames between keyframes: short, so random access into a clip decodes few frames."""
PNG_PARAMS = [cv2.IMWRITE_PNG_COMPRESSION, 1, cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_NONE]
"""Fast PNG encoding: render noise defeats PNG's filters, so trying them is wasted time."""


def write_mp4(path: Path, frames: np.ndarray, fps: int) -> None:
    """Encode frames as H.264 (yuv420p) mp4 at ``path``.

    Args:
        path: destination; its folder must exist.
        frames: (T, H, W, 3) uint8 RGB, H and W even.
        fps: frames per second.
    """
    with atomic_path(path) as temporary, av.open(str(temporary), mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = frames.shape[2], frames.shape[1]
        stream.pix_fmt = "yuv420p"
        stream.options = {
            "crf": str(CRF),
            "preset": "ultrafast",
            "g": str(KEYFRAME_INTERVAL),
            # Byte-identical reruns: x264's macroblock tree (rate-control lookahead) gives different
            # bytes from run to run on these tiny frames, and so do its threads (pinned here so a
            # faster preset cannot bring them back). Parallelism comes from the worker processes.
            "threads": "1",
            "x264-params": "mbtree=0:rc-lookahead=0",
        }
        for image in frames:
            # OpenCV's I420 is BT.601 limited range, what decoders assume; faster than swscale.
            yuv = cv2.cvtColor(image, cv2.COLOR_RGB2YUV_I420)  # (H * 3 / 2, W)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(yuv, format="yuv420p")))
        container.mux(stream.encode())


def write_masks(path: Path, masks: np.ndarray, names: dict[str, int]) -> None:
    """Write a training video's instance masks: an npz with ``masks`` (T, H, W) uint8 and
    ``names``, the JSON text of ``{name: id}``.

    Args:
        path: destination, ``videos/NNNNNN.masks.npz``; its folder must exist.
        masks: (T, H, W) uint8 ids, 0 the background.
        names: id of every part by name (``object_1``, ``screen_1``, ``wall_1``).
    """
    with atomic_path(path) as temporary, temporary.open("wb") as handle:
        np.savez_compressed(handle, masks=masks, names=np.array(json.dumps(names)))


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_path(path) as temporary:
        temporary.write_text(text)


def read_manifest(path: Path) -> list[dict]:
    """Entries of a manifest.jsonl, or [] when it does not exist."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def write_manifest(path: Path, entries: Iterable[dict]) -> None:
    """Rewrite a manifest.jsonl atomically, one JSON object per line, sorted by path."""
    lines = [json.dumps(e, sort_keys=True) for e in sorted(entries, key=lambda e: e["path"])]
    write_text(path, "".join(f"{line}\n" for line in lines))


def write_png_movie(
    folder: Path,
    frames: np.ndarray,
    header: dict,
    encoded: dict[bytes, bytes],
    masks: np.ndarray | None = None,
) -> None:
    """Write one probe movie in the IntPhys layout: ``scene/scene_001.png ...``, with masks
    ``masks/masks_001.png ...`` (8-bit grey, the same numbers), and status.json.

    Args:
        folder: the movie's folder, e.g. ``O1/01/3`` (created).
        frames: (T, H, W, 3) uint8 RGB.
        header: the ``header`` object of status.json.
        encoded: PNG bytes by raw image bytes, shared by the movies of a quadruplet: their
            frames often repeat (shared prefixes, splices), and each is encoded once. A mask
            (H * W bytes) never has the bytes of a frame (H * W * 3).
        masks: (T, H, W) uint8 instance masks, or None for none.
    """
    digits = max(3, len(str(len(frames))))
    _write_pngs(folder / "scene", "scene", frames[..., ::-1], digits, encoded)  # OpenCV: BGR
    if masks is not None:
        _write_pngs(folder / "masks", "masks", masks, digits, encoded)
    (folder / "status.json").write_text(json.dumps({"header": header}, sort_keys=True))


def _write_pngs(
    folder: Path, prefix: str, images: np.ndarray, digits: int, encoded: dict[bytes, bytes]
) -> None:
    """``folder/<prefix>_001.png ...`` from (T, H, W[, 3]) uint8 images, as OpenCV writes them."""
    folder.mkdir(parents=True, exist_ok=True)
    for t, image in enumerate(images, start=1):
        raw = image.tobytes()
        if raw not in encoded:
            encoded[raw] = cv2.imencode(".png", image, PNG_PARAMS)[1].tobytes()
        (folder / f"{prefix}_{t:0{digits}d}.png").write_bytes(encoded[raw])
