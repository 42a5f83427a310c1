"""DecoderModule trains through `physpred fit -c configs/decoder.yaml` on a tiny checkpoint."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import yaml

from physpred.lit.cli import main as lightning_main
from physpred.lit.decoder import DecoderModule
from physpred.models import CheckpointError, load_model
from physpred.types import ClipGeometry
from physpred.viz import latent_rollouts, predict_frames, save_rollout, traversal_latents

REPO = Path(__file__).resolve().parents[1]
CLIP = ["--data.context_frames", "3", "--data.future_frames", "2", "--data.frame_step", "1"]
SMALL = [
    "--data.frame_size", "16", "--data.batch_size", "2", "--data.num_workers", "0",
    "--data.val_fraction", "0.25", "--trainer.max_steps", "2", "--trainer.val_check_interval", "1",
    "--trainer.limit_val_batches", "1", "--trainer.enable_progress_bar", "false",
    "--trainer.enable_model_summary", "false", "--trainer.accelerator", "cpu",
]  # fmt: skip
TINY_MODEL = {
    "class_path": "physpred.lit.FuturePredictionModule",
    "init_args": {
        "energy_model": {
            "class_path": "physpred.models.EnergyModel",
            "init_args": {
                "encoder": {"class_path": "physpred.models.ConvEncoder", "init_args": {"widths": [8, 8], "dim": 16, "groups": 4}},
                "predictor": {
                    "class_path": "physpred.models.ConvPredictor",
                    "init_args": {"dim": 16, "latent_dim": 2, "width": 16, "dilations": [1], "groups": 4},
                },
                "latent": {
                    "class_path": "physpred.models.LatentVariable",
                    "init_args": {"dim": 2, "context_dim": 16, "target_dim": 16, "hidden": 16},
                },
                "target": {"class_path": "physpred.models.EMATarget"},
                "distance": {"class_path": "physpred.models.L2Distance"},
            },
        },
    },
}


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A folder of tiny random videos and a representation-space checkpoint trained on it."""
    root = tmp_path_factory.mktemp("decoder")
    videos = root / "videos"
    videos.mkdir()
    generator = torch.Generator().manual_seed(0)
    for i in range(4):
        frames = torch.randint(0, 256, (12, 3, 16, 16), dtype=torch.uint8, generator=generator)
        save_rollout(frames, videos / f"{i}.mp4")
    config = root / "tiny.yaml"
    config.write_text(yaml.safe_dump({"model": TINY_MODEL, "trainer": {"logger": False}}))
    run = root / "model"
    args = ["fit", "-c", str(config), "--data.root", str(videos), "--trainer.default_root_dir", str(run)]
    lightning_main([*args, *CLIP, *SMALL])
    return videos, run / "model.ckpt"


@pytest.mark.slow
def test_decoder_fits_from_config_and_leaves_the_model_frozen(trained: tuple[Path, Path], tmp_path: Path) -> None:
    videos, checkpoint = trained
    run = tmp_path / "decoder"
    lightning_main(
        [
            "fit", "-c", str(REPO / "configs" / "decoder.yaml"),
            "--model.init_args.checkpoint", str(checkpoint), "--data.root", str(videos),
            "--trainer.default_root_dir", str(run), *CLIP, *SMALL,
        ]
    )  # fmt: skip
    decoder = DecoderModule.load_from_checkpoint(run / "model.ckpt", map_location="cpu")
    original = load_model(checkpoint)
    for name, value in original.state_dict().items():
        torch.testing.assert_close(decoder.model.state_dict()[name], value, msg=name)
    assert list((run / "lightning_logs").rglob("media/*.gif"))  # the media callback drew predictions

    context = torch.randint(0, 256, (3, 3, 3, 16, 16), dtype=torch.uint8)
    frames = predict_frames(decoder.model, context, decoder=decoder)
    assert frames.shape == (3, 2, 3, 16, 16) and frames.dtype == torch.uint8
    assert predict_frames(decoder.model, context) is None  # representation space: needs the decoder
    rollouts = latent_rollouts(decoder.model, context[0], traversal_latents(2, 5), decoder=decoder)
    assert rollouts.shape == (5, 2, 3, 16, 16)


def test_decoder_rejects_clip_settings_unlike_the_model(trained: tuple[Path, Path]) -> None:
    _, checkpoint = trained
    with pytest.raises(ValueError, match="data.frame_size=32 .* pass --data.frame_size 16"):
        DecoderModule(checkpoint=str(checkpoint), geometry=ClipGeometry(3, 2, 1, 32))
    with pytest.raises(CheckpointError, match="missing.ckpt not found"):
        DecoderModule(checkpoint="missing.ckpt", geometry=ClipGeometry(3, 2, 1, 16))


def test_decoder_config_reads_the_clips_of_the_model_it_documents() -> None:
    """configs/decoder.yaml's own command decodes runs/demo_repr: the decoder refuses any other clip."""
    decoder, model = (yaml.safe_load((REPO / "configs" / name).read_text())["data"] for name in ("decoder.yaml", "demo_repr.yaml"))
    keys = ("context_frames", "future_frames", "frame_step", "frame_size")
    assert {k: decoder[k] for k in keys} == {k: model[k] for k in keys}
