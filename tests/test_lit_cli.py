"""``physpred fit`` through LightningCLI on a tiny world: every config, checkpoints, DDP, wandb."""

from __future__ import annotations

import csv
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from physpred.lit.cli import main
from physpred.models import EMATarget, load_model

REPO = Path(__file__).resolve().parents[1]
PARTS = "--model.init_args.energy_model.init_args"
TINY_VIT = [
    f"{PARTS}.encoder.init_args.dim=32", f"{PARTS}.encoder.init_args.depth=1",
    f"{PARTS}.encoder.init_args.heads=2", f"{PARTS}.predictor.init_args.dim=32",
    f"{PARTS}.predictor.init_args.width=32", f"{PARTS}.predictor.init_args.depth=1",
    f"{PARTS}.predictor.init_args.heads=2", f"{PARTS}.latent.init_args.context_dim=32",
    f"{PARTS}.latent.init_args.target_dim=32",
]
# Overlays compose after a recipe (-c RECIPE -c OVERLAY): each with the terms it adds to the objective.
OVERLAYS = {
    "demo_repr+collapse/vicreg": {"contrast", "vicreg_var"},
    "demo_repr+collapse/sigreg": {"contrast", "sigreg"},
    "demo+change_focus": {"change_focus"},
    "demo+long_cpu": set(),
    "demo+look_breadth": set(),
    "objects_masks+objects_split": set(),
    "objects_masks+objects_split_free_objects": set(),
    "objects_masks+objects_split_recipe_free_objects": set(),
    "objects_masks+objects_split_recipe_true_objects": set(),
    "objects_masks+objects_split_true_objects": set(),
    "objects_masks+objects_split_true_identities": set(),
    "objects_foreground+objects_demo": set(),
    "objects_foreground+objects_foreground_true_objects": set(),
}
OVERLAY_FILES = {o.partition("+")[2] for o in OVERLAYS}  # paths under configs/, without .yaml
CONFIGS = sorted(p.stem for p in (REPO / "configs").glob("*.yaml") if p.stem not in {"decoder", *OVERLAY_FILES})
OBJECT_RECIPES = [c for c in [*CONFIGS, *OVERLAYS] if c.startswith("objects_")]
"""Recipes of the object track (``ObjectPredictionModule``: clips with masks, no windows)."""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny ``physpred world videos --masks`` folder: 10 videos of 20 frames, 32x32."""
    from physpred.world.cli import main as world_main

    root = tmp_path_factory.mktemp("world")
    # with masks, so that the object recipes (data.masks: true) run too; the others ignore them
    assert world_main(["videos", "--out", str(root), "--videos", "10", "--frames", "20", "--size", "32", "--workers", "1", "--masks"]) == 0
    return root


def small(world: Path, run: Path) -> list[str]:
    """Overrides that shrink any config to 32x32 clips of 4 + 2 frames, batch 4, no workers."""
    return [
        f"--data.root={world}", "--data.frame_size=32", "--data.batch_size=4", "--data.num_workers=0",
        "--data.context_frames=4", "--data.future_frames=2", "--data.frame_step=1", "--data.val_fraction=0.2",
        f"--trainer.default_root_dir={run}", "--trainer.enable_progress_bar=false", "--trainer.accelerator=cpu",
    ]


@pytest.mark.slow
@pytest.mark.parametrize("config", CONFIGS)
def test_each_config_runs_fast_dev_run(world: Path, tmp_path: Path, config: str) -> None:
    extra = TINY_VIT if config == "vit" else []
    args = ["fit", "-c", str(REPO / "configs" / f"{config}.yaml"), *small(world, tmp_path), *extra]
    assert main([*args, "--trainer.fast_dev_run=true"]) == 0


def test_print_config_shows_the_model(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["fit", "-c", str(REPO / "configs" / "demo.yaml"), "--print_config"])
    assert exit_info.value.code in (0, None)
    out = capsys.readouterr().out
    assert "physpred.lit.FuturePredictionModule" in out and "physpred.models.ConvEncoder" in out


def test_every_overlay_is_listed() -> None:
    overlays = {p.relative_to(REPO / "configs").with_suffix("").as_posix() for p in (REPO / "configs" / "collapse").glob("*.yaml")}
    assert overlays <= OVERLAY_FILES


@pytest.mark.parametrize("config", [c for c in [*CONFIGS, *OVERLAYS] if c not in OBJECT_RECIPES])
def test_every_recipe_parses_and_builds_its_model(config: str) -> None:
    """Every YAML in configs/ (overlays after their recipe) names classes and keys that exist:
    its model is built and takes one training objective on a random batch of its own clip
    geometry, with the terms the overlay adds."""
    from benchmarks.train_throughput import build

    recipe, _, overlay = config.partition("+")
    extra = [*TINY_VIT] if recipe == "vit" else []
    if overlay:
        extra += ["-c", str(REPO / "configs" / f"{overlay}.yaml")]
    model, batch = build(str(REPO / "configs" / f"{recipe}.yaml"), 2, extra)
    loss, terms, _ = model._objective(batch)
    assert torch.isfinite(loss) and "energy" in terms
    assert OVERLAYS.get(config, set()) <= set(terms)


@pytest.mark.parametrize("config", OBJECT_RECIPES)
def test_every_object_recipe_builds_and_takes_a_step(config: str) -> None:
    """The object recipes build and lower their loss on a random masked batch of their geometry."""
    from benchmarks.train_throughput import build
    from physpred.types import MaskedClip

    recipe, _, overlay = config.partition("+")
    extra = ["-c", str(REPO / "configs" / f"{overlay}.yaml")] if overlay else []
    model, frames = build(str(REPO / "configs" / f"{recipe}.yaml"), 2, ["--data.frame_size", "32", *extra])
    generator = torch.Generator().manual_seed(0)
    masks = torch.randint(0, 4, frames.shape[:2] + frames.shape[3:], dtype=torch.uint8, generator=generator)
    kinds = torch.zeros(2, 256, dtype=torch.uint8)
    kinds[:, 1:3], kinds[:, 3] = 1, 2
    loss = model.training_step(MaskedClip(frames, masks, kinds), 0)
    assert torch.isfinite(loss) and loss.requires_grad


@pytest.mark.slow
def test_demo_fit_leaves_a_checkpoint_that_loads_alone(
    world: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # the representation-space recipe: its checkpoint also holds the EMA target encoder
    args = ["fit", "-c", str(REPO / "configs" / "demo_repr.yaml"), *small(world, tmp_path), "--trainer.max_steps=3"]
    assert main(args) == 0
    path = tmp_path / "model.ckpt"
    assert path.is_file() and (tmp_path / "lightning_logs").is_dir()
    model = load_model(path)
    g = model.geometry
    assert (g.context_frames, g.future_frames, g.frame_step, g.frame_size) == (4, 2, 1, 32)  # linked from data
    assert model.predictor.context_frames == 4 and isinstance(model.target, EMATarget)
    state = torch.load(path, weights_only=True)["state_dict"]
    assert torch.equal(model.target.encoder.proj.weight, state["model.target.encoder.proj.weight"])
    clip = torch.randint(0, 256, (2, 6, 3, 32, 32), dtype=torch.uint8)
    assert model.free_energy(clip[:, :4], clip[:, 4:]).shape == (2,)

    evaluate = ["-c", str(REPO / "configs" / "demo_repr.yaml"), *small(world, tmp_path), f"--ckpt_path={path}"]
    with caplog.at_level(logging.WARNING, logger="physpred.data.datamodule"):
        assert main(["test", *evaluate]) == 0  # logged under test/
    assert "no data.test_root given, so this runs on the validation split" in caplog.text
    caplog.clear()
    assert main(["predict", *evaluate, f"--data.test_root={world}"]) == 0  # videos of its own
    assert "test_root" not in caplog.text
    rows = list(csv.DictReader((tmp_path / "predictions.csv").open()))
    assert len(rows) == 10 and rows[0]["video"].endswith(".mp4") and len(rows[0]["frames"].split()) == 6
    assert all(float(row["free_energy"]) >= 0 and float(row["energy_copy_last"]) > 0 for row in rows)


def test_fit_logs_its_steps_off_a_terminal_and_opens_the_lightning_way(
    world: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from physpred.lit import FuturePredictionModule

    quiet = [arg for arg in small(world, tmp_path) if "enable_progress_bar" not in arg]
    args = ["fit", "-c", str(REPO / "configs" / "demo.yaml"), *quiet, "--trainer.max_steps=2"]
    assert main([*args, "--trainer.logger=false", "--trainer.val_check_interval=2", "--trainer.limit_val_batches=1"]) == 0
    lines = capsys.readouterr().err.splitlines()
    assert any(line.startswith("fit: 2/2 steps (100%), ") for line in lines), lines
    # last.ckpt is the latest state (model.ckpt), best.ckpt the lowest val/energy
    assert os.readlink(tmp_path / "last.ckpt") == "model.ckpt"
    assert load_model(tmp_path / "best.ckpt").geometry == load_model(tmp_path / "model.ckpt").geometry
    more = [*args[:-1], "--trainer.max_steps=3", "--trainer.logger=false", "--trainer.limit_val_batches=0"]
    assert main([*more, "--ckpt_path=last"]) == 0  # Lightning's keyword resumes the run
    assert torch.load(tmp_path / "model.ckpt", weights_only=True)["global_step"] == 3
    module = FuturePredictionModule.load_from_checkpoint(tmp_path / "model.ckpt")
    model = load_model(tmp_path / "model.ckpt", map_location="cpu")
    assert module.geometry == model.geometry and module.model.predictor.context_frames == 4
    assert all(torch.equal(module.model.state_dict()[k], v) for k, v in model.state_dict().items())


def test_wandb_logger_offline_writes_its_run_folder(world: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    monkeypatch.setenv("WANDB_SILENT", "true")
    real_connect = socket.socket.connect

    def local_only(self: socket.socket, address: object) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in ("127.0.0.1", "localhost", "::1"):
            raise AssertionError(f"network connection attempted to {address}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", local_only)
    args = ["fit", "-c", str(REPO / "configs" / "demo.yaml"), "-c", str(REPO / "configs" / "logger" / "wandb.yaml"),
            *small(world, tmp_path), f"--trainer.logger.init_args.save_dir={tmp_path}", "--trainer.max_steps=1",
            "--trainer.limit_val_batches=0"]
    assert main(args) == 0
    runs = list((tmp_path / "wandb").glob("offline-run-*"))
    assert runs, f"no offline run folder in {tmp_path / 'wandb'}"
    assert not list((tmp_path / "wandb").glob("run-*"))


@pytest.mark.slow
def test_ddp_two_cpu_processes(world: Path, tmp_path: Path) -> None:
    args = ["fit", "-c", "configs/demo.yaml", "-c", "configs/trainer/ddp.yaml", *small(world, tmp_path),
            "--trainer.devices=2", "--trainer.max_steps=2", "--trainer.limit_val_batches=1"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
           "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-m", "physpred.cli", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "gloo" in done.stderr + done.stdout or "distributed" in (done.stderr + done.stdout).lower()
    assert (tmp_path / "model.ckpt").is_file()


def test_resuming_a_checkpoint_from_before_energy_model_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = tmp_path / "old.ckpt"  # the layout of the first release: parts and string options in hparams
    torch.save({"state_dict": {"encoder.proj.weight": torch.zeros(1)}, "hyper_parameters": {"space": "representation", "collapse": "ema"}}, old)
    (tmp_path / "videos").mkdir()
    argv = ["fit", "-c", str(REPO / "configs" / "demo.yaml"), "--data.root", str(tmp_path / "videos"), f"--ckpt_path={old}"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"--ckpt_path {old} was written by an older physpred" in err and "retrain" in err
