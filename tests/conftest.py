"""Shared test fixtures: the reference data folder and a tiny video writer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """``../shared/data`` beside the repository (real reference files); skip when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data not found at {SHARED_DATA} (clone the repo beside shared/)")
    return SHARED_DATA


def index_frames(num_frames: int, height: int = 32, width: int = 40) -> np.ndarray:
    """(T, H, W, 3) uint8 frames whose red channel is the frame number (mod 256)."""
    t = np.arange(num_frames, dtype=np.uint8).reshape(-1, 1, 1)
    ramp = np.linspace(0, 255, width, dtype=np.uint8).reshape(1, 1, -1)
    red = np.broadcast_to(t, (num_frames, height, width))
    green = np.broadcast_to(ramp, (num_frames, height, width))
    blue = np.broadcast_to(255 - t, (num_frames, height, width))
    return np.ascontiguousarray(np.stack([red, green, blue], axis=-1))


def write_video(
    path: Path,
    frames: np.ndarray,
    fps: int = 15,
    lossless: bool = True,
    gop: int = 8,
    faststart: bool = False,
) -> Path:
    """Write (T, H, W, 3) uint8 frames as H.264 mp4 (libx264rgb qp 0 when lossless, else yuv420p).

    ``faststart`` puts the index before the frames, so a truncated file still opens.
    """
    import av

    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), "w", options=options) as container:
        stream = container.add_stream("libx264rgb" if lossless else "libx264", rate=fps)
        stream.height, stream.width = frames.shape[1:3]
        stream.pix_fmt = "rgb24" if lossless else "yuv420p"
        stream.options = {"qp": "0", "g": str(gop)} if lossless else {"crf": "18", "g": str(gop)}
        for frame in frames:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        container.mux(stream.encode())
    return path


@pytest.fixture
def make_video(tmp_path: Path) -> Callable[..., Path]:
    """``make_video(name, num_frames, height=32, width=40, fps=15, lossless=True)`` -> mp4 path.

    Frame ``i`` has red = i, so tests can check which frames they got.
    """

    def make(
        name: str,
        num_frames: int,
        height: int = 32,
        width: int = 40,
        fps: int = 15,
        lossless: bool = True,
    ) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        return write_video(
            path, index_frames(num_frames, height, width), fps=fps, lossless=lossless
        )

    return make


@pytest.fixture(scope="session")
def hf_folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny random V-JEPA 2 and VideoMAE models (32 px, 8 px patches, 16 frames), seeded,
    saved with ``save_pretrained``: ``{"vjepa2": folder, "videomae": folder}``."""
    import torch
    from transformers import VideoMAEConfig, VideoMAEForPreTraining, VJEPA2Config, VJEPA2Model

    vjepa2 = VJEPA2Config(
        crop_size=32, patch_size=8, frames_per_clip=16, hidden_size=32, num_attention_heads=2,
        num_hidden_layers=2, pred_hidden_size=24, pred_num_attention_heads=2,
        pred_num_hidden_layers=2, num_pooler_layers=1,
        pred_zero_init_mask_tokens=False,  # distinct mask tokens, so their index matters
    )  # fmt: skip
    videomae = VideoMAEConfig(
        image_size=32, patch_size=8, num_frames=16, hidden_size=32, num_hidden_layers=2,
        num_attention_heads=2, intermediate_size=64, decoder_hidden_size=24,
        decoder_num_hidden_layers=1, decoder_num_attention_heads=2, decoder_intermediate_size=48,
    )  # fmt: skip
    root = tmp_path_factory.mktemp("hf_models")
    # seed 7: not the untrained control's default seed 0, so weights and control differ
    torch.manual_seed(7)
    VJEPA2Model(vjepa2).save_pretrained(root / "vjepa2")
    torch.manual_seed(7)
    VideoMAEForPreTraining(videomae).save_pretrained(root / "videomae")
    return {"vjepa2": root / "vjepa2", "videomae": root / "videomae"}
