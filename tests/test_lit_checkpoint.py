"""Checkpoints are written atomically: an interrupted save leaves the previous file intact."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from physpred.lit.checkpoint import AtomicCheckpointIO


def test_save_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "model.ckpt"
    AtomicCheckpointIO().save_checkpoint({"step": 1}, path)
    AtomicCheckpointIO().save_checkpoint({"step": 2}, path)
    assert torch.load(path, weights_only=True) == {"step": 2}
    assert [p.name for p in tmp_path.iterdir()] == ["model.ckpt"]


def test_interrupted_save_keeps_the_previous_checkpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "model.ckpt"
    AtomicCheckpointIO().save_checkpoint({"step": 1}, path)

    def interrupted(checkpoint: dict, filepath: str | Path) -> None:
        Path(filepath).write_bytes(b"half a checkpoint")  # what a killed writer leaves behind
        raise KeyboardInterrupt

    monkeypatch.setattr("lightning_fabric.plugins.io.torch_io._atomic_save", interrupted)
    with pytest.raises(KeyboardInterrupt):
        AtomicCheckpointIO().save_checkpoint({"step": 2}, path)
    assert torch.load(path, weights_only=True) == {"step": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["model.ckpt"]
