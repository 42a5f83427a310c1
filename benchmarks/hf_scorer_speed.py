"""Seconds per movie of the pretrained scorers: one figure per line, the headline last.

Run: `.venv/bin/python benchmarks/hf_scorer_speed.py [--size tiny|vitl] [--movies 3] [--threads 2]`.
Scores IntPhys-shaped movies (100 frames, 288 x 288, random pixels) with V-JEPA's protocol
(frame step 2, stride 4, 16-frame windows, contexts 2..10: 17 windows x 5 contexts per movie),
through random-weight models saved and loaded as `physpred probe --scorer` does. `tiny` is the
tests' configuration (32 px, 2 layers); `vitl` is V-JEPA 2 ViT-L / VideoMAE-Base at full size
(one movie takes minutes on a CPU: run it on a GPU). Figures depend on what else runs on the
machine; the load average is printed with them.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import torch
from transformers import VideoMAEConfig, VideoMAEForPreTraining, VJEPA2Config, VJEPA2Model

from physpred.eval.hf import load_scorer
from physpred.eval.windows import fixed_window_surprise

CONFIGS = {
    "tiny": {
        "vjepa2": VJEPA2Config(
            crop_size=32, patch_size=8, frames_per_clip=16, hidden_size=32,
            num_attention_heads=2, num_hidden_layers=2, pred_hidden_size=24,
            pred_num_attention_heads=2, pred_num_hidden_layers=2, num_pooler_layers=1,
        ),
        "videomae": VideoMAEConfig(
            image_size=32, patch_size=8, num_frames=16, hidden_size=32, num_hidden_layers=2,
            num_attention_heads=2, intermediate_size=64, decoder_hidden_size=24,
            decoder_num_hidden_layers=1, decoder_num_attention_heads=2,
            decoder_intermediate_size=48,
        ),
    },
    "vitl": {"vjepa2": VJEPA2Config(), "videomae": VideoMAEConfig()},
}  # fmt: skip
CLASSES = {"vjepa2": VJEPA2Model, "videomae": VideoMAEForPreTraining}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(CONFIGS), default="tiny")
    parser.add_argument("--movies", type=int, default=3, help="movies to time per scorer")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--batch-size", type=int, default=32, help="windows per forward pass")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    print(f"cpus={os.cpu_count()} threads={args.threads} device={device} "
          f"load_average_1min={os.getloadavg()[0]:.2f}")  # fmt: skip
    movie = torch.randint(0, 256, (100, 3, 288, 288), generator=torch.Generator().manual_seed(0))
    movie = movie.to(torch.uint8).to(device)
    seconds = {}
    with tempfile.TemporaryDirectory() as folder:
        for kind, config in CONFIGS[args.size].items():
            torch.manual_seed(0)
            CLASSES[kind](config).save_pretrained(Path(folder) / kind)
            scorer = load_scorer(kind, Path(folder) / kind).to(device)
            fixed_window_surprise(scorer, movie, 2, 4, args.batch_size, [2, 4, 6, 8, 10])  # warm-up
            start = time.perf_counter()
            for _ in range(args.movies):
                fixed_window_surprise(scorer, movie, 2, 4, args.batch_size, [2, 4, 6, 8, 10])
            seconds[kind] = (time.perf_counter() - start) / args.movies
            print(f"{kind}_{args.size}_s_per_movie={seconds[kind]:.2f}")
    print(f"load_average_1min_after={os.getloadavg()[0]:.2f}")
    print(" ".join(f"{kind}_{args.size}_s_per_movie={s:.2f}" for kind, s in seconds.items()))


if __name__ == "__main__":
    main()
