"""Movies per second of probe scoring with a latent model: before and after scoring each window once.

``physpred probe`` scores a model with a latent twice per window before this change: once with
inferred z and once at z = 0 (to measure what z explains). Latent inference starts from the
z = 0 prediction, so ``EnergyModel.free_energies`` takes the z = 0 energy from it and encodes
each window once. Both paths run here on the same movies and must give the same numbers.

The model is ``configs/demo.yaml``'s (U-Net, latent of 4, 64 x 64), freshly initialised and
seeded: the cost of a forward pass does not depend on training. Movies are random 64 x 64
frames, as many and as long as asked.

Run: `.venv/bin/python benchmarks/score_once_speed.py [--movies 8] [--frames 100]
[--refine_steps 0]`. Prints movies/s of each path, the speed-up and the largest difference.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
import yaml
from jsonargparse import ArgumentParser

from physpred.eval.surprise import window_surprise, window_surprise_with_prior
from physpred.models import EnergyModel
from physpred.types import ClipGeometry

DEMO = Path(__file__).resolve().parents[1] / "configs" / "demo.yaml"


def demo_model(refine_steps: int) -> EnergyModel:
    """configs/demo.yaml's EnergyModel, seeded, with ``refine_steps`` latent refinement steps."""
    config = yaml.safe_load(DEMO.read_text())
    data = config["data"]
    part = config["model"]["init_args"]["energy_model"]
    part["init_args"]["latent"]["init_args"]["refine_steps"] = refine_steps
    keys = ("context_frames", "future_frames", "frame_step", "frame_size")
    for key in ("context_frames", "future_frames"):  # what the CLI links from the data
        part["init_args"]["predictor"]["init_args"][key] = data[key]
    part["init_args"]["geometry"] = {
        "class_path": "physpred.types.ClipGeometry",
        "init_args": {k: data[k] for k in keys},
    }
    parser = ArgumentParser()
    parser.add_argument("--model", type=EnergyModel)
    torch.manual_seed(0)
    model = parser.instantiate(parser.parse_object({"model": part})).model
    assert isinstance(model.geometry, ClipGeometry)
    return model.eval()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--movies", type=int, default=8)
    parser.add_argument("--frames", type=int, default=100)
    parser.add_argument("--refine_steps", type=int, default=0)
    parser.add_argument("--batch_size", type=int, default=32)
    args = parser.parse_args()
    torch.set_num_threads(1)
    model = demo_model(args.refine_steps)
    step = model.geometry.frame_step
    generator = torch.Generator().manual_seed(0)
    movies = [
        torch.randint(0, 256, (args.frames, 3, 64, 64), dtype=torch.uint8, generator=generator)
        for _ in range(args.movies)
    ]

    def twice(frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        infer = window_surprise(model, frames, step, step, args.batch_size, "infer")[0]
        return infer, window_surprise(model, frames, step, step, args.batch_size, "prior")[0]

    def once(frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return window_surprise_with_prior(model, frames, step, step, args.batch_size)[:2]

    results = {}
    for name, score in (("before (two passes)", twice), ("after (one pass)", once)):
        score(movies[0])  # warm-up
        start = time.perf_counter()
        results[name] = [score(frames) for frames in movies]
        seconds = time.perf_counter() - start
        print(f"{name:<22}{args.movies / seconds:8.2f} movies/s  ({seconds:.1f} s)")
    before, after = results.values()
    difference = max(
        float((a - b).abs().max()) for pair_a, pair_b in zip(before, after, strict=True)
        for a, b in zip(pair_a, pair_b, strict=True)
    )  # fmt: skip
    print(f"largest difference between the paths: {difference:.3g}")


if __name__ == "__main__":
    main()
