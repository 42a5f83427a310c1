"""Training throughput of a config on this machine: ms/step, clips/s, FLOPs/step, GFLOP/s.

Builds the model exactly as ``physpred fit -c CONFIG`` would (no data is read: batches are
random uint8 clips of the configured shape) and times full optimiser steps.

    python benchmarks/train_throughput.py [--config configs/demo.yaml] [--steps 10] [--warmup 3]
        [--batch-size B] [--device cpu|cuda] [--precision 32|bf16] [--peak-tflops P]

With ``--peak-tflops`` (the device's dense peak for the chosen precision) it also prints the
model-FLOP utilisation (MFU).

Prints one figure per line; the last line is the headline (ms/step).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

import torch
from torch.utils.flop_counter import FlopCounterMode

from physpred.lit.cli import PhysPredCLI


def build(config: str, batch_size: int | None, overrides: Sequence[str] = ()) -> tuple[torch.nn.Module, torch.Tensor]:
    """Model and one random uint8 batch (B, C + M, 3, S, S) from a training config (plus CLI overrides)."""
    import pytorch_lightning as pl

    from physpred.data import VideoDataModule

    args = ["-c", config, "--data.root", "unused", *overrides]
    if batch_size:
        args += ["--data.batch_size", str(batch_size)]
    cli = PhysPredCLI(pl.LightningModule, VideoDataModule, subclass_mode_model=True, args=args, run=False,
                      auto_configure_optimizers=False)
    data, model = cli.datamodule, cli.model
    g = data.geometry
    shape = (data.batch_size, g.clip_frames, 3, g.frame_size, g.frame_size)
    return model, torch.randint(0, 256, shape, dtype=torch.uint8, generator=torch.Generator().manual_seed(0))


def step(model: torch.nn.Module, optimizer: torch.optim.Optimizer, batch: torch.Tensor, precision: str) -> None:
    """One forward/backward/optimiser step on the training objective."""
    with torch.autocast(batch.device.type, dtype=torch.bfloat16, enabled=precision == "bf16"):
        loss, _, _ = model._objective(batch)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)


def main() -> None:
    """Parse options, time the steps, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="configs/demo.yaml")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--precision", choices=["32", "bf16"], default="32")
    parser.add_argument("--peak-tflops", type=float, default=None)
    args = parser.parse_args()
    torch.manual_seed(0)
    model, batch = build(args.config, args.batch_size)
    model, batch = model.to(args.device).train(), batch.to(args.device)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    with FlopCounterMode(display=False) as counter:
        step(model, optimizer, batch, args.precision)
    flops = counter.get_total_flops()
    for _ in range(args.warmup):
        step(model, optimizer, batch, args.precision)
    _sync(args.device)
    start = time.perf_counter()
    for _ in range(args.steps):
        step(model, optimizer, batch, args.precision)
    _sync(args.device)
    seconds = (time.perf_counter() - start) / args.steps
    print(f"config: {args.config}  batch: {tuple(batch.shape)}  device: {args.device}  precision: {args.precision}"
          f"  threads: {torch.get_num_threads()}")
    print(f"clips/s: {batch.shape[0] / seconds:.1f}")
    print(f"GFLOP/step: {flops / 1e9:.2f}")
    print(f"GFLOP/s: {flops / 1e9 / seconds:.1f}")
    if args.peak_tflops:
        print(f"MFU: {flops / seconds / (args.peak_tflops * 1e12):.3f}")
    print(f"ms/step: {seconds * 1e3:.0f}")


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


if __name__ == "__main__":
    main()
