"""Video readers: real files, exact synthetic frames, both backends, and broken inputs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import index_frames, write_video
from PIL import Image

from physpred.data import VideoReadError, read_video, readers, video_info

BACKENDS = ["decord", "pyav"]


def write_png_folder(folder: Path, num_frames: int, mode: str = "P") -> Path:
    """Frames ``frame_001.png`` ... whose pixel value is the frame number, stored in ``mode``."""
    folder.mkdir(parents=True)
    for i in range(num_frames):
        rgb = np.full((12, 16, 3), i * 10, dtype=np.uint8)
        image = Image.fromarray(rgb)
        image = image.convert("P", palette=Image.Palette.ADAPTIVE) if mode == "P" else image
        image.convert(mode).save(folder / f"frame_{i + 1:03d}.png")
    return folder


def test_physion_file_as_stored(shared_data: Path) -> None:
    path = shared_data / "physion_example" / "0000_img.mp4"
    infos = {backend: video_info(path, backend) for backend in BACKENDS}
    assert infos["decord"] == infos["pyav"]
    assert (infos["pyav"].num_frames, infos["pyav"].fps) == (163, 30.0)
    assert (infos["pyav"].height, infos["pyav"].width) == (256, 256)
    indices = [0, 1, 80, 162, 80]
    decord_frames, pyav_frames = (read_video(path, indices, b) for b in BACKENDS)
    assert decord_frames.shape == (5, 3, 256, 256) and decord_frames.dtype == torch.uint8
    assert (decord_frames.float() - pyav_frames.float()).abs().mean() < 1.0
    assert torch.equal(decord_frames[2], decord_frames[4])


@pytest.mark.parametrize("backend", BACKENDS)
def test_exact_frames_from_anywhere_in_the_file(
    make_video: Callable[..., Path], backend: str
) -> None:
    path = make_video("exact.mp4", 60)  # keyframe every 8 frames: PyAV must seek
    indices = [45, 3, 59, 17, 17]
    frames = read_video(path, indices, backend)
    assert frames.shape == (5, 3, 32, 40)
    assert frames[:, 0, 0, 0].tolist() == indices
    assert torch.equal(frames[:, 2, 0, 0], 255 - frames[:, 0, 0, 0])
    assert read_video(path, backend=backend).shape[0] == 60


def test_auto_survives_a_file_decord_cannot_decode(make_video: Callable[..., Path]) -> None:
    path = make_video("w48.mp4", 6, width=48)  # decord 0.6 fails on 48-pixel-wide frames
    with pytest.raises(VideoReadError, match="w48.mp4"):
        read_video(path, [2], "decord")
    assert read_video(path, [2], "auto")[0, 0, 0, 0] == 2


def test_lossy_file_within_tolerance(make_video: Callable[..., Path]) -> None:
    path = make_video("lossy.mp4", 20, lossless=False)
    for backend in BACKENDS:
        red = read_video(path, [4, 13], backend)[:, 0].float().mean(dim=(1, 2))
        assert torch.allclose(red, torch.tensor([4.0, 13.0]), atol=3.0)


def test_auto_falls_back_to_pyav_without_decord(
    make_video: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_video("fallback.mp4", 10)
    monkeypatch.setattr(readers, "_decord", lambda: None)
    assert read_video(path, [7])[0, 0, 0, 0] == 7
    assert video_info(path).num_frames == 10
    with pytest.raises(VideoReadError, match="decord cannot be imported"):
        read_video(path, [0], backend="decord")


def test_palette_png_folder(tmp_path: Path) -> None:
    folder = write_png_folder(tmp_path / "scene", 12, mode="P")
    frames = read_video(folder, [11, 0, 9])
    assert frames.shape == (3, 3, 12, 16)
    assert frames[:, 1, 0, 0].tolist() == [110, 0, 90]
    assert video_info(folder) == readers.VideoInfo(12, 0.0, 12, 16)


def test_intphys_example_frames_are_rgb(shared_data: Path) -> None:
    frames = read_video(shared_data / "intphys_example" / "O1" / "01" / "1" / "scene")
    assert frames.shape == (100, 3, 128, 128) and frames.dtype == torch.uint8


@pytest.mark.parametrize("backend", ["auto", *BACKENDS])
def test_truncated_mp4_names_the_file(make_video: Callable[..., Path], backend: str) -> None:
    path = make_video("cut.mp4", 40)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(VideoReadError, match="cut.mp4"):
        read_video(path, [30, 39], backend)


def test_truncated_faststart_mp4_keeps_its_prefix(tmp_path: Path) -> None:
    path = write_video(tmp_path / "cut.mp4", index_frames(40), faststart=True)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert read_video(path, [0, 1])[:, 0, 0, 0].tolist() == [0, 1]
    with pytest.raises(VideoReadError, match="cut.mp4.*truncated"):
        read_video(path, [30, 39])


@pytest.mark.parametrize("backend", ["auto", *BACKENDS])
def test_zero_byte_and_missing_files(tmp_path: Path, backend: str) -> None:
    empty = tmp_path / "empty.mp4"
    empty.touch()
    with pytest.raises(VideoReadError, match="empty.mp4.*0 bytes"):
        read_video(empty, [0], backend)
    with pytest.raises(VideoReadError, match="nothing.mp4"):
        video_info(tmp_path / "nothing.mp4", backend)


def test_garbage_file_with_video_extension(tmp_path: Path) -> None:
    path = tmp_path / "garbage.mp4"
    path.write_bytes(np.random.default_rng(0).bytes(5000))
    with pytest.raises(VideoReadError, match="garbage.mp4"):
        read_video(path, [0])


def test_garbage_png_names_the_file(tmp_path: Path) -> None:
    folder = write_png_folder(tmp_path / "scene", 4)
    (folder / "frame_003.png").write_bytes(b"not a png at all")
    assert read_video(folder, [0, 1]).shape[0] == 2
    with pytest.raises(VideoReadError, match="frame_003.png"):
        read_video(folder)


def test_missing_frame_in_folder(tmp_path: Path) -> None:
    folder = write_png_folder(tmp_path / "scene", 5)
    (folder / "frame_003.png").unlink()
    with pytest.raises(VideoReadError, match="frame 3 is missing"):
        read_video(folder)


@pytest.mark.parametrize("backend", BACKENDS)
def test_indices_out_of_range(make_video: Callable[..., Path], backend: str) -> None:
    path = make_video("short.mp4", 10)
    with pytest.raises(VideoReadError, match="short.mp4"):
        read_video(path, [5, 10], backend)
    with pytest.raises(VideoReadError, match="negative"):
        read_video(path, [-1], backend)
