"""The move of the energy model out of the Lightning module changed no number.

``reference/behaviour.json`` was recorded on main at 8ae3d8e (before ``EnergyModel`` existed) by
these same runs: four objectives trained 6 steps from seed 0 on moving-dot clips, then their
validation metrics, free energies, candidate scores and window surprise on a possible movie
and its impossible twin. Rerun with ``python tests/test_behaviour_unchanged.py --record`` only
when a change of the numbers is intended, and say why in the commit.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import pytorch_lightning as pl
import torch

sys.path.insert(0, str(Path(__file__).parent))
from test_lit_module import CONTEXT, FUTURE, SIZE, DotData, LossRecorder, moving_dots  # noqa: E402

from physpred import models  # noqa: E402
from physpred.eval.surprise import window_surprise  # noqa: E402
from physpred.lit import FuturePredictionModule  # noqa: E402
from physpred.lit.schedule import WarmupCosine  # noqa: E402
from physpred.models.candidates import candidate_futures  # noqa: E402
from physpred.types import ClipGeometry  # noqa: E402

REFERENCE = Path(__file__).parent / "reference" / "behaviour.json"
STEPS = 6
CASES = {  # the objective before the move: space, collapse, distance, contrast_weight, collapse_weight
    "ema_contrast": ("representation", "ema", "l2", 1.0, None),
    "vicreg_l1": ("representation", "vicreg", "l1", 0.0, 0.5),
    "sigreg": ("representation", "sigreg", "l2", 0.0, 0.3),
    "pixel_refine": ("pixel", "none", "l2", 0.0, None),  # with two refinement steps of z
}


def build(name: str) -> FuturePredictionModule:
    """The module of one case, its parts created in the same order as before (the seed decides the weights)."""
    space, collapse, distance, contrast, collapse_weight = CASES[name]
    pixel = space == "pixel"
    encoder = models.ConvEncoder(widths=(8, 16), dim=16, groups=4)
    predictor = models.ConvPredictor(dim=16, context_frames=CONTEXT, future_frames=FUTURE, latent_dim=2, width=32, dilations=(1, 2), groups=4)
    latent = models.LatentVariable(dim=2, context_dim=16, target_dim=48 if pixel else 16, hidden=16, weight=0.1, refine_steps=2 if pixel else 0)
    target = models.PixelTarget(dim=16, patch_size=4) if pixel else models.EMATarget() if collapse == "ema" else models.OnlineTarget()
    terms = [models.ContrastiveHinge(weight=contrast)] if contrast else []
    if collapse in ("vicreg", "sigreg"):
        terms.append((models.VICRegTerm if collapse == "vicreg" else models.SIGRegTerm)(weight=collapse_weight))
    model = models.EnergyModel(
        encoder=encoder, predictor=predictor, latent=latent, target=target,
        distance=models.L1Distance() if distance == "l1" else models.L2Distance(),
        geometry=ClipGeometry(context_frames=CONTEXT, future_frames=FUTURE, frame_step=1, frame_size=SIZE),
    )
    return FuturePredictionModule(
        energy_model=model, terms=terms,
        optimizer=lambda p: torch.optim.AdamW(p, lr=3e-3),
        lr_scheduler=lambda o: WarmupCosine(o, warmup_steps=2, total_steps=STEPS),
        stats_every=2,
    )  # fmt: skip


def probe_movies() -> dict[str, torch.Tensor]:
    """A possible movie (one dot crossing) and its impossible twin (the dot vanishes at frame 12)."""
    yy, xx = np.mgrid[:SIZE, :SIZE]
    frames = np.full((24, 3, SIZE, SIZE), 40, np.uint8)
    for t in range(24):
        y, x = 8 + 0.3 * t, 1 + 0.6 * t
        frames[t][:, (yy - y) ** 2 + (xx - x) ** 2 < 4.5] = np.array([250, 200, 40])[:, None]
    vanish = frames.copy()
    vanish[12:] = 40
    return {"possible": torch.from_numpy(frames), "impossible": torch.from_numpy(vanish)}


def run(name: str, root: Path) -> dict:
    """Train one case, then measure it; every number the reference holds."""
    pl.seed_everything(0)
    module, losses = build(name), LossRecorder()
    pl.Trainer(
        max_steps=STEPS, accelerator="cpu", devices=1, default_root_dir=root, logger=False,
        enable_progress_bar=False, enable_model_summary=False, limit_val_batches=0,
        callbacks=[losses], deterministic=True, enable_checkpointing=False,
    ).fit(module, DotData(n=48, batch_size=8))  # fmt: skip
    module.eval()
    model = module.model
    validate = pl.Trainer(accelerator="cpu", devices=1, logger=False, enable_progress_bar=False, enable_model_summary=False)
    metrics = validate.validate(module, DotData(n=8, batch_size=8), verbose=False)[0]
    clips = moving_dots(6, 2)
    context, future = clips[:, :CONTEXT], clips[:, CONTEXT:]
    probe = {}
    for video, frames in probe_movies().items():
        probe[video] = {z: window_surprise(model, frames, 1, 3, 16, z)[0].tolist() for z in ("infer", "prior")}
    return {
        "losses": losses.losses,
        "val": {k: float(v) for k, v in sorted(metrics.items())},
        "free_energy_infer": model.free_energy(context, future).tolist(),
        "free_energy_prior": model.free_energy(context, future, z="prior").tolist(),
        "candidates": model.score_candidates(context, candidate_futures(context, future)[0]).tolist(),
        "probe": probe,
    }


@pytest.mark.parametrize("name", list(CASES))
def test_same_losses_and_scores_as_before_the_move(name: str, tmp_path: Path) -> None:
    expected = json.loads(REFERENCE.read_text())[name]
    got = run(name, tmp_path)
    assert got["losses"] == pytest.approx(expected["losses"], rel=1e-5, abs=1e-7)
    assert got["val"] == pytest.approx(expected["val"], rel=1e-5, abs=1e-7)
    for key in ("free_energy_infer", "free_energy_prior", "candidates"):
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-5, atol=1e-7, err_msg=key)
    for video, energies in expected["probe"].items():
        for z, values in energies.items():
            np.testing.assert_allclose(got["probe"][video][z], values, rtol=1e-5, atol=1e-7, err_msg=f"{video} {z}")


if __name__ == "__main__" and sys.argv[1:] == ["--record"]:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        REFERENCE.write_text(json.dumps({name: run(name, Path(folder)) for name in CASES}, indent=1) + "\n")
